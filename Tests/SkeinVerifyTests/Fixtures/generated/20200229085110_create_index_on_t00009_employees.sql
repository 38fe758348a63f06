-- +goose Up
CREATE INDEX ix_00021_t00009_employees ON t00009_employees (status) WHERE status = 'active';

-- +goose Down
DROP INDEX ix_00021_t00009_employees;
