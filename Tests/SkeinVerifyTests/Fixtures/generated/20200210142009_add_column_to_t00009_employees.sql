-- +goose Up
ALTER TABLE t00009_employees ADD COLUMN parent_path text[];

-- +goose Down
ALTER TABLE t00009_employees DROP COLUMN parent_path;
