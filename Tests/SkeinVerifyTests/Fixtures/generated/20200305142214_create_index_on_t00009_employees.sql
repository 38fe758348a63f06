-- +goose Up
CREATE INDEX ix_00023_t00009_employees ON t00009_employees USING gin (metadata);

-- +goose Down
DROP INDEX ix_00023_t00009_employees;
