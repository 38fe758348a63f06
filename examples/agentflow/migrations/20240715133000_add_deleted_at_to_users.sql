-- +goose Up
-- Soft delete for users: rows are kept for auditing and hidden by queries
-- that filter on deleted_at IS NULL.
ALTER TABLE users ADD COLUMN IF NOT EXISTS deleted_at timestamptz;

-- Partial index covering only live users, used by ListActiveUsers.
CREATE INDEX IF NOT EXISTS idx_users_created_at_active
    ON users (created_at DESC)
    WHERE deleted_at IS NULL;

-- +goose Down
DROP INDEX IF EXISTS idx_users_created_at_active;
ALTER TABLE users DROP COLUMN IF EXISTS deleted_at;
