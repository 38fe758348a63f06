-- +goose Up
ALTER TABLE t00009_employees ADD COLUMN users_20_id bigint;
ALTER TABLE t00009_employees
    ADD CONSTRAINT fk_00020_t00009_employees FOREIGN KEY (users_20_id)
    REFERENCES t00002_users (id) ON DELETE RESTRICT;
CREATE INDEX ix_00020_t00009_employees_fk ON t00009_employees (users_20_id);

-- +goose Down
DROP INDEX ix_00020_t00009_employees_fk;
ALTER TABLE t00009_employees DROP CONSTRAINT fk_00020_t00009_employees;
ALTER TABLE t00009_employees DROP COLUMN users_20_id;
