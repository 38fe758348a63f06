-- name: GetAuthor :one
SELECT id, name, email, bio, mood, previous_mood, tags, nicknames, moods, profile, settings, external_id, referrer,
       created_at, deleted_at, balance, rating, active, age, score
FROM authors
WHERE id = $1;

-- name: ListAuthorsStar :many
SELECT * FROM authors ORDER BY id;

-- name: ListAuthorsByMood :many
SELECT id, name FROM authors WHERE mood = sqlc.arg(mood) AND created_at >= @since ORDER BY id;

-- name: FilterAuthors :many
SELECT id, name, bio
FROM authors
WHERE (sqlc.narg(min_age)::integer IS NULL OR age >= sqlc.narg(min_age)::integer)
  AND active = sqlc.arg(active)
ORDER BY id
LIMIT sqlc.arg(page_size) OFFSET sqlc.arg(page_offset);

-- name: AuthorsByIDs :many
SELECT id, name FROM authors WHERE id = ANY(sqlc.slice(ids)::bigint[]);

-- name: AuthorsByExternalIDs :many
SELECT id, external_id FROM authors WHERE external_id = ANY($1::uuid[]);

-- name: CreateAuthor :one
INSERT INTO authors (name, email, bio, mood, tags, settings, referrer, rating, age)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id, created_at, balance;

-- name: CreateAuthorNamed :one
INSERT INTO authors (name, email, bio, previous_mood)
VALUES (@name, @email, sqlc.narg(bio), sqlc.narg(previous_mood))
RETURNING *;

-- name: UpdateAuthorBio :exec
UPDATE authors SET bio = $1, age = $2 WHERE id = $3;

-- name: UpdateAuthorProfile :one
UPDATE authors SET profile = sqlc.arg(profile), score = sqlc.narg(score) WHERE id = sqlc.arg(id)
RETURNING id, profile, score;

-- name: DeleteAuthor :execrows
DELETE FROM authors WHERE id = $1;

-- name: DeleteAuthorReturning :one
DELETE FROM authors WHERE id = $1 RETURNING id, deleted_at;

-- name: UpsertAuthorByEmail :one
INSERT INTO authors (name, email)
VALUES (@name, @email)
ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name
RETURNING id, name, email;

-- name: SearchAuthors :many
SELECT id, name FROM authors WHERE name ILIKE '%' || @term::text || '%';

-- name: AuthorExists :one
SELECT EXISTS (SELECT 1 FROM authors WHERE email = $1) AS found;

-- name: CastColumns :one
SELECT id::text AS id_text, rating::float8 AS rating_float, lower(name) AS lower_name, now() AS server_time,
       1 AS one, 'x'::text AS literal
FROM authors
WHERE id = $1;

-- name: AuthorJSON :many
SELECT id, profile ->> 'theme' AS theme, settings -> 'flags' AS flags, profile @> sqlc.arg(filter)::jsonb AS matches
FROM authors
WHERE settings IS NOT NULL;
