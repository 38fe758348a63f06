-- +goose Up
ALTER TABLE t00002_users ADD COLUMN external_ref text;
ALTER TABLE t00002_users ADD COLUMN deleted_at timestamptz;

-- +goose Down
ALTER TABLE t00002_users DROP COLUMN deleted_at;
ALTER TABLE t00002_users DROP COLUMN external_ref;
