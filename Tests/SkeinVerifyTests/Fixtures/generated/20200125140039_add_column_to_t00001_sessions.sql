-- +goose Up
ALTER TABLE t00001_sessions ADD COLUMN is_verified boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE t00001_sessions DROP COLUMN is_verified;
