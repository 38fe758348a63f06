-- name: CreateAgent :one
INSERT INTO agents (owner_id, name, score, avatar, flags, statuses)
VALUES (@owner_id, @name, @score, @avatar, @flags, @statuses)
RETURNING id, name, agent_label(name) AS label;

-- name: AgentsWithOwners :many
SELECT a.id, a.name, u.email AS owner_email, u.status AS owner_status
FROM agents a LEFT JOIN users u ON u.id = a.owner_id
ORDER BY a.name;

-- name: AgentWithOwner :one
SELECT sqlc.embed(agents), sqlc.embed(users)
FROM agents JOIN users ON users.id = agents.owner_id
WHERE agents.id = $1;

-- name: AgentStats :one
SELECT count(*) AS agents, sum(runs) AS total_runs, avg(score) AS mean_score,
       array_agg(name ORDER BY name) AS names, COALESCE(max(runs), 0) AS most_runs
FROM agents WHERE owner_id = $1;

-- name: GetAgent :one
SELECT * FROM agents WHERE id = $1;
