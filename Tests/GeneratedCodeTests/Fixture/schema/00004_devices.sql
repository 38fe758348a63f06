-- +goose Up
-- Types PostgresNIO has no codec for: the generated code decodes them with the SkeinTypes runtime.
CREATE TABLE devices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address inet NOT NULL,
    network cidr,
    mac macaddr,
    mac8 macaddr8,
    heartbeat interval NOT NULL,
    price money,
    flags bit varying(16),
    wal pg_lsn,
    config xml,
    kind "char" NOT NULL DEFAULT 'a',
    owner_table regclass,
    opens time,
    maintenance tstzrange,
    slots int4range,
    spot point
);

-- +goose Down
DROP TABLE devices;
