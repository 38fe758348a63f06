-- +goose Up
-- Composite types: read from query results as structs (PostgreSQL's binary record format).
CREATE DOMAIN zip_code AS integer CHECK (VALUE > 0);
CREATE TYPE postal_address AS (street text, city text, zip zip_code);
CREATE TYPE shipment_leg AS (origin postal_address, destination postal_address, days smallint);

CREATE TABLE shipments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    destination postal_address NOT NULL,
    legs shipment_leg[] NOT NULL DEFAULT '{}'
);

-- +goose Down
DROP TABLE shipments;
DROP TYPE shipment_leg;
DROP TYPE postal_address;
DROP DOMAIN zip_code;
