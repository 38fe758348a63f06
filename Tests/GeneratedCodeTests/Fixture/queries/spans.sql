-- name: CreateSpan :one
INSERT INTO spans (ids, scores) VALUES (@ids, @scores) RETURNING *;

-- name: SpansContaining :many
SELECT id FROM spans WHERE ids @> @id::uuid ORDER BY id;

-- name: SpansOverlapping :many
SELECT id, scores FROM spans WHERE scores && @scores ORDER BY id;
