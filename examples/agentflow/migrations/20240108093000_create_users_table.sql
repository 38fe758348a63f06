-- +goose Up
-- Users own agents and workflows and trigger workflow runs.
CREATE TABLE IF NOT EXISTS users (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    email         text        NOT NULL,
    display_name  text        NOT NULL,
    password_hash text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email),
    -- Emails are stored lower-cased so the unique constraint is case-insensitive.
    CONSTRAINT users_email_lowercase_check CHECK (email = lower(email)),
    CONSTRAINT users_display_name_not_blank_check CHECK (length(btrim(display_name)) > 0)
);

CREATE INDEX IF NOT EXISTS idx_users_created_at ON users (created_at);

-- Keep updated_at current on every UPDATE (see set_updated_at() in the initial schema).
CREATE TRIGGER trg_users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW
    EXECUTE FUNCTION set_updated_at();

-- +goose Down
DROP TRIGGER IF EXISTS trg_users_set_updated_at ON users;
DROP INDEX IF EXISTS idx_users_created_at;
DROP TABLE IF EXISTS users;
