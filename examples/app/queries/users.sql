-- name: CreateUser :one
INSERT INTO users (email, display_name)
VALUES (@email, sqlc.narg(display_name))
RETURNING *;

-- name: GetUserByID :one
SELECT * FROM users WHERE id = @id;

-- name: CountUsers :one
SELECT count(*) FROM users;
