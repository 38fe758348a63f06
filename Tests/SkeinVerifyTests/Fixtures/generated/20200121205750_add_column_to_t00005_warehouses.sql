-- +goose Up
ALTER TABLE t00005_warehouses ADD COLUMN rating numeric(3,1);

-- +goose Down
ALTER TABLE t00005_warehouses DROP COLUMN rating;
