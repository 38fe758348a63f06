-- +goose Up
CREATE INDEX ix_00022_t00017_carts ON t00017_carts (notes, name DESC);

-- +goose Down
DROP INDEX ix_00022_t00017_carts;
