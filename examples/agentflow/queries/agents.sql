-- Agents: user-owned units of work (agent_kind enum, jsonb config).

-- name: UpsertAgent :one
INSERT INTO agents (owner_id, name, kind, description, config)
VALUES (@owner_id, @name, @kind, sqlc.narg(description), @config)
ON CONFLICT (owner_id, name) DO UPDATE
SET kind = EXCLUDED.kind,
    description = COALESCE(EXCLUDED.description, agents.description),
    config = EXCLUDED.config
RETURNING *;

-- name: ListAgentsByOwner :many
-- Every agent of a user, optionally of one kind only (a NULL kind lists them all).
SELECT id, name, kind, description, updated_at
FROM agents
WHERE owner_id = @owner_id
  AND (sqlc.narg(kind)::agent_kind IS NULL OR kind = sqlc.narg(kind))
ORDER BY name;

-- name: FindAgentsByConfig :many
-- jsonb containment, served by idx_agents_config_gin: e.g. {"model": "gpt-4o"}.
SELECT id, owner_id, name, config->>'model' AS model
FROM agents
WHERE config @> sqlc.arg(config_filter)::jsonb
ORDER BY created_at;

-- name: GetAgentWithOwner :one
SELECT sqlc.embed(agents), sqlc.embed(users)
FROM agents
JOIN users ON users.id = agents.owner_id
WHERE agents.id = $1;

-- name: CopyAgents :copyfrom
-- Bulk import (COPY FROM STDIN), e.g. when cloning a template workspace.
INSERT INTO agents (owner_id, name, kind, description, config) VALUES ($1, $2, $3, $4, $5);

-- name: DeleteAgent :exec
DELETE FROM agents WHERE id = @id AND owner_id = @owner_id;
