-- +goose Up
ALTER TABLE t00001_sessions ADD COLUMN warehouses_7_id bigint;
ALTER TABLE t00001_sessions
    ADD CONSTRAINT fk_00007_t00001_sessions FOREIGN KEY (warehouses_7_id)
    REFERENCES t00005_warehouses (id) ON DELETE SET NULL;
CREATE INDEX ix_00007_t00001_sessions_fk ON t00001_sessions (warehouses_7_id);

-- +goose Down
DROP INDEX ix_00007_t00001_sessions_fk;
ALTER TABLE t00001_sessions DROP CONSTRAINT fk_00007_t00001_sessions;
ALTER TABLE t00001_sessions DROP COLUMN warehouses_7_id;
