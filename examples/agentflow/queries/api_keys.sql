-- API keys: only the SHA-256 of a key is stored (bytea, 32 bytes); key_prefix is what the UI shows.

-- name: CreateAPIKey :one
INSERT INTO user_api_keys (user_id, name, key_prefix, key_hash, scopes, expires_at)
VALUES (@user_id, @name, @key_prefix, @key_hash, @scopes, sqlc.narg(expires_at))
RETURNING id, key_prefix, scopes, expires_at, created_at;

-- name: AuthenticateAPIKey :one
SELECT k.id AS key_id, k.scopes, u.id AS user_id, u.email, u.role
FROM user_api_keys k
JOIN users u ON u.id = k.user_id
WHERE k.key_hash = @key_hash
  AND k.revoked_at IS NULL
  AND (k.expires_at IS NULL OR k.expires_at > now())
  AND u.deleted_at IS NULL;

-- name: ListAPIKeysWithScope :many
SELECT id, name, key_prefix, last_used_at, expires_at
FROM user_api_keys
WHERE user_id = @user_id AND revoked_at IS NULL AND sqlc.arg(scope)::text = ANY(scopes)
ORDER BY created_at;

-- name: TouchAPIKeys :batchexec
-- Usage is recorded in batches by the API gateway.
UPDATE user_api_keys SET last_used_at = @used_at WHERE id = @id;

-- name: RevokeAPIKey :execrows
UPDATE user_api_keys SET revoked_at = now() WHERE id = @id AND user_id = @user_id AND revoked_at IS NULL;
