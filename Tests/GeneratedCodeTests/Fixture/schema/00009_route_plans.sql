-- +goose Up
-- Arrays of domains: PostgreSQL's binary array names the domain (an OID of this database's own), which PostgresNIO's
-- [Int32] refuses; generated code reads them through SkeinTypes as the base type's Swift type (PostgresDomainArray
-- for one dimension, PostgresMultiArray for more) and binds them with a cast. A composite type's array of two
-- dimensions is PostgresMultiArray of its struct (read only, as composites are).
CREATE DOMAIN short_label AS varchar(20) CHECK (VALUE <> '');
CREATE DOMAIN stop_zip AS zip_code;

CREATE TABLE route_plans (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    zips zip_code[] NOT NULL,
    labels short_label[],
    stops stop_zip[][],
    waypoints postal_address[][]
);

-- +goose Down
DROP TABLE route_plans;
DROP DOMAIN stop_zip;
DROP DOMAIN short_label;
