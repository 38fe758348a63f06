-- +goose Up
ALTER TABLE t00005_warehouses ADD COLUMN external_ref text;

-- +goose Down
ALTER TABLE t00005_warehouses DROP COLUMN external_ref;
