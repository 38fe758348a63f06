-- name: CreateEntry :one
INSERT INTO entries (id, "self", "default", "let", type) VALUES (@id, @self, @default, @let, @type)
RETURNING *;

-- name: EntryBySelf :one
SELECT "default", 1 + 1, 'x' || "default" FROM entries WHERE "self" = @self;

-- name: EntrySpread :many
SELECT s.*, count(*) OVER () AS total FROM (SELECT max("let") AS top, min("let") AS bottom FROM entries) s;

-- name: EntriesBetween :many
SELECT id FROM entries WHERE id >= $1 AND id <= $2 ORDER BY id;
