-- +goose Up
ALTER TABLE t00002_users ADD COLUMN contracts_8_id bigint;
ALTER TABLE t00002_users
    ADD CONSTRAINT fk_00008_t00002_users FOREIGN KEY (contracts_8_id)
    REFERENCES t00004_contracts (id);
CREATE INDEX ix_00008_t00002_users_fk ON t00002_users (contracts_8_id);

-- +goose Down
DROP INDEX ix_00008_t00002_users_fk;
ALTER TABLE t00002_users DROP CONSTRAINT fk_00008_t00002_users;
ALTER TABLE t00002_users DROP COLUMN contracts_8_id;
