-- Workflows: versioned step graphs.

-- A new version of a workflow: 1 for a new name, else one more than the latest.
-- name: CreateWorkflowVersion :one
INSERT INTO workflows (owner_id, default_agent_id, name, description, definition, version)
VALUES (
    @owner_id, sqlc.narg(default_agent_id), @name, sqlc.narg(description), @definition,
    COALESCE((SELECT max(w.version) FROM workflows w WHERE w.owner_id = @owner_id AND w.name = @name), 0) + 1
)
RETURNING id, name, version, created_at;

-- name: GetWorkflowWithDefaultAgent :one
-- The default agent is optional (ON DELETE SET NULL), hence the LEFT JOIN: its columns are optional.
SELECT w.id, w.name, w.version, w.definition, w.is_active,
       a.id AS agent_id, a.name AS agent_name, a.kind AS agent_kind
FROM workflows w
LEFT JOIN agents a ON a.id = w.default_agent_id
WHERE w.id = $1;

-- name: ListWorkflowsWithRunStats :many
-- The dashboard: active workflows of a user with their run counts (idx_workflows_owner_id_active).
SELECT w.id, w.name, w.version, w.updated_at,
       count(r.id) AS run_count,
       count(r.id) FILTER (WHERE r.status = 'failed') AS failed_runs,
       max(r.created_at) AS last_run_at
FROM workflows w
LEFT JOIN workflow_runs r ON r.workflow_id = w.id
WHERE w.owner_id = @owner_id AND w.is_active
GROUP BY w.id
ORDER BY w.updated_at DESC;

-- name: DeactivateWorkflows :execrows
UPDATE workflows
SET is_active = false
WHERE owner_id = @owner_id AND id = ANY(sqlc.slice(ids)) AND is_active;
