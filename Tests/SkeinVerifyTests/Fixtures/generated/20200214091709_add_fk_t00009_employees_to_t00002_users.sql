-- +goose Up
ALTER TABLE t00009_employees ADD COLUMN users_14_id bigint;
ALTER TABLE t00009_employees
    ADD CONSTRAINT fk_00014_t00009_employees FOREIGN KEY (users_14_id)
    REFERENCES t00002_users (id) ON DELETE CASCADE;
CREATE INDEX ix_00014_t00009_employees_fk ON t00009_employees (users_14_id);

-- +goose Down
DROP INDEX ix_00014_t00009_employees_fk;
ALTER TABLE t00009_employees DROP CONSTRAINT fk_00014_t00009_employees;
ALTER TABLE t00009_employees DROP COLUMN users_14_id;
