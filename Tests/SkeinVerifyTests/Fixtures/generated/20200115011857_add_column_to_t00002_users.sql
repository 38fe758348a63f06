-- +goose Up
ALTER TABLE t00002_users ADD COLUMN retries smallint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE t00002_users DROP COLUMN retries;
