-- Users: lookups, sign-up, soft delete and roles.

-- name: GetUserByID :one
SELECT id, email, created_at, updated_at
FROM users
WHERE id = $1 AND deleted_at IS NULL;

-- name: ListActiveUsers :many
SELECT id, email, created_at
FROM users
WHERE deleted_at IS NULL
ORDER BY created_at DESC
LIMIT $1 OFFSET $2;

-- name: GetUserByEmail :one
-- Emails are stored lower-cased (users_email_lowercase_check), so the lookup lowers its argument.
SELECT id, email, display_name, role, password_hash
FROM users
WHERE email = lower(sqlc.arg(email)) AND deleted_at IS NULL;

-- name: UpsertUser :one
-- Sign-up, or re-activation of a soft-deleted account with the same email.
-- `inserted` is true for a new row (xmax = 0) and false when the conflict branch updated an existing one.
INSERT INTO users (email, display_name, password_hash, role)
VALUES (lower(@email), @display_name, sqlc.narg(password_hash), @role)
ON CONFLICT (email) DO UPDATE
SET display_name = EXCLUDED.display_name,
    password_hash = COALESCE(EXCLUDED.password_hash, users.password_hash),
    deleted_at = NULL
RETURNING id, email, display_name, role, created_at, (xmax = 0) AS inserted;

-- name: UpdateUserRole :exec
UPDATE users SET role = @role WHERE id = @id AND deleted_at IS NULL;

-- name: SoftDeleteUser :execrows
UPDATE users SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL;

-- name: CountUsersByRole :many
SELECT role, count(*) AS user_count
FROM users
WHERE deleted_at IS NULL
GROUP BY role
ORDER BY role;
