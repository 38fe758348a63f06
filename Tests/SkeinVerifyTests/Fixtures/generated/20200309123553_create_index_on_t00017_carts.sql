-- +goose Up
CREATE INDEX ix_00025_t00017_carts ON t00017_carts (created_at);

-- +goose Down
DROP INDEX ix_00025_t00017_carts;
