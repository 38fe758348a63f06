-- +goose Up
ALTER TABLE t00002_users ADD COLUMN sessions_3_id bigint;
ALTER TABLE t00002_users
    ADD CONSTRAINT fk_00003_t00002_users FOREIGN KEY (sessions_3_id)
    REFERENCES t00001_sessions (id);
CREATE INDEX ix_00003_t00002_users_fk ON t00002_users (sessions_3_id);

-- +goose Down
DROP INDEX ix_00003_t00002_users_fk;
ALTER TABLE t00002_users DROP CONSTRAINT fk_00003_t00002_users;
ALTER TABLE t00002_users DROP COLUMN sessions_3_id;
