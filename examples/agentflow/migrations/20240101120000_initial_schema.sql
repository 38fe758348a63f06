-- +goose Up
-- Initial schema: shared building blocks used by every later migration.

-- pgcrypto provides gen_random_uuid(), used as the default for all
-- uuid primary keys in the AgentFlow schema.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Generic trigger function that stamps updated_at on every UPDATE.
-- Tables with an updated_at column attach it with a BEFORE UPDATE trigger.
-- The body contains semicolons, so it is wrapped in StatementBegin/End.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION set_updated_at()
RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- Reverse order: the function first, then the extension.
DROP FUNCTION IF EXISTS set_updated_at();
DROP EXTENSION IF EXISTS pgcrypto;
