-- +goose Up
CREATE INDEX ix_00012_t00002_users ON t00002_users (status);

-- +goose Down
DROP INDEX ix_00012_t00002_users;
