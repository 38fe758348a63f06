-- name: GetUserByID :one
SELECT * FROM users WHERE id = $1;

-- name: GetUserByEmail :one
SELECT id, email, status FROM users WHERE email = sqlc.arg(email);

-- name: CreateUser :one
INSERT INTO users (email, display_name, status, tags, settings, balance, external_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING *;

-- name: ListUsersByStatus :many
SELECT id, email, display_name FROM users WHERE status = @status ORDER BY id;

-- name: ListUsersByIDs :many
SELECT id FROM users WHERE id = ANY(sqlc.slice(ids)) ORDER BY id;

-- name: CountUsers :one
SELECT count(*) FROM users;

-- name: MaxBalance :one
SELECT max(balance) AS top FROM users;

-- name: RenameUser :execrows
UPDATE users SET display_name = sqlc.narg(display_name) WHERE id = sqlc.arg(id);

-- name: SuspendUsers :execresult
UPDATE users SET status = 'suspended' WHERE status = $1;

-- name: DeleteUser :exec
DELETE FROM users WHERE id = $1;

-- name: CopyUsers :copyfrom
INSERT INTO users (email, display_name, status, balance, external_id, created_at) VALUES ($1, $2, $3, $4, $5, $6);

-- name: TouchUsers :batchexec
UPDATE users SET display_name = $2 WHERE id = $1;

-- name: GetUsersBatch :batchone
SELECT id, email FROM users WHERE id = $1;

-- name: StatusesOf :batchmany
SELECT status FROM users WHERE id = $1;

-- name: BumpBalance :execrows
-- Adds to a user's balance; the comment documents the generated method.
UPDATE users SET balance = balance + @amount WHERE id = @id; -- a trailing comment on the same line

-- A comment between queries belongs to neither.

-- name: PageUsers :many
SELECT id, email FROM users WHERE status = $1::user_status ORDER BY id LIMIT $2 OFFSET $3;
