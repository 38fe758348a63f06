-- +goose Up
-- Coarse-grained authorization role. Existing users get the default 'member'.
ALTER TABLE users ADD COLUMN IF NOT EXISTS role text NOT NULL DEFAULT 'member';

-- PostgreSQL has no ADD CONSTRAINT IF NOT EXISTS, so the named CHECK
-- constraint is added from a DO block that first looks it up in pg_constraint.
-- The block contains semicolons, so it is wrapped in StatementBegin/End.
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1
        FROM pg_constraint
        WHERE conname = 'users_role_check'
          AND conrelid = 'users'::regclass
    ) THEN
        ALTER TABLE users
            ADD CONSTRAINT users_role_check
            CHECK (role IN ('owner', 'admin', 'member', 'viewer'));
    END IF;
END;
$$;
-- +goose StatementEnd

CREATE INDEX IF NOT EXISTS idx_users_role ON users (role);

-- +goose Down
DROP INDEX IF EXISTS idx_users_role;
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users DROP COLUMN IF EXISTS role;
