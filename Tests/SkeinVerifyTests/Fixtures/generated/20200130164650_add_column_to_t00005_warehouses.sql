-- +goose Up
ALTER TABLE t00005_warehouses ADD COLUMN timezone text NOT NULL DEFAULT 'UTC';

-- +goose Down
ALTER TABLE t00005_warehouses DROP COLUMN timezone;
