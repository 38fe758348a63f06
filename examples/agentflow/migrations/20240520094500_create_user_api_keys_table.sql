-- +goose Up
-- API keys let users trigger workflows from scripts and CI.
-- Only a SHA-256 hash of the key is stored; key_prefix is shown in the UI.
CREATE TABLE IF NOT EXISTS user_api_keys (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL,
    name         text        NOT NULL,
    key_prefix   text        NOT NULL,
    key_hash     bytea       NOT NULL,
    scopes       text[]      NOT NULL DEFAULT ARRAY['runs:write']::text[],
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT user_api_keys_user_id_fkey FOREIGN KEY (user_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT user_api_keys_key_hash_key UNIQUE (key_hash),
    CONSTRAINT user_api_keys_key_prefix_length_check CHECK (length(key_prefix) BETWEEN 4 AND 16),
    CONSTRAINT user_api_keys_key_hash_length_check CHECK (octet_length(key_hash) = 32)
);

CREATE INDEX IF NOT EXISTS idx_user_api_keys_user_id ON user_api_keys (user_id);

-- Partial index: authentication only ever looks up keys that are not revoked.
CREATE INDEX IF NOT EXISTS idx_user_api_keys_key_prefix_active
    ON user_api_keys (key_prefix)
    WHERE revoked_at IS NULL;

-- +goose Down
DROP INDEX IF EXISTS idx_user_api_keys_key_prefix_active;
DROP INDEX IF EXISTS idx_user_api_keys_user_id;
DROP TABLE IF EXISTS user_api_keys;
