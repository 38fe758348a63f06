-- +goose Up
-- Types of contrib extensions, whose OIDs differ per database: they bind as text with a cast in the SQL.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE EXTENSION IF NOT EXISTS ltree;

CREATE TABLE catalog_nodes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path ltree NOT NULL,
    name citext NOT NULL,
    attributes hstore,
    aliases ltree[] NOT NULL DEFAULT '{}'
);

-- +goose Down
DROP TABLE catalog_nodes;
