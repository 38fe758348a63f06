-- Workflow runs and their steps: the scheduler's and the workers' queries.

-- name: StartWorkflowRun :one
INSERT INTO workflow_runs (workflow_id, triggered_by, input)
VALUES (@workflow_id, sqlc.narg(triggered_by), @input)
RETURNING id, status, created_at;

-- name: ClaimPendingRuns :many
-- The scheduler claims the oldest pending runs; SKIP LOCKED lets several schedulers poll at once
-- (idx_workflow_runs_unfinished).
UPDATE workflow_runs
SET status = 'running', started_at = now()
WHERE id IN (
    SELECT id FROM workflow_runs
    WHERE status = 'pending'
    ORDER BY created_at
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
)
RETURNING id, workflow_id, input, started_at;

-- name: FinishWorkflowRun :execrows
UPDATE workflow_runs
SET status = @status, output = sqlc.narg(output), error = sqlc.narg(error), finished_at = now()
WHERE id = @id AND status = 'running';

-- name: ListRunsForWorkflow :many
SELECT id, status, triggered_by, started_at, finished_at, error
FROM workflow_runs
WHERE workflow_id = @workflow_id AND status = ANY(sqlc.slice(statuses))
ORDER BY created_at DESC
LIMIT @max_rows;

-- name: RunDurationStats :one
-- Duration of the succeeded runs of a workflow since a point in time, in seconds.
SELECT count(*) AS runs,
       avg(extract(epoch FROM finished_at - started_at))::float8 AS mean_seconds,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at)) AS p95_seconds
FROM workflow_runs
WHERE workflow_id = @workflow_id AND status = 'succeeded' AND finished_at >= @since;

-- name: GetRunTimeline :many
-- One row per step attempt of a run; a run without steps yet gives one row with NULL step columns.
SELECT r.id AS run_id, w.name AS workflow_name, r.status AS run_status,
       s.step_index, s.attempt, s.name AS step_name, s.status AS step_status, s.started_at, s.finished_at,
       a.kind AS agent_kind
FROM workflow_runs r
JOIN workflows w ON w.id = r.workflow_id
LEFT JOIN workflow_run_steps s ON s.run_id = r.id
LEFT JOIN agents a ON a.id = s.agent_id
WHERE r.id = $1
ORDER BY s.step_index, s.attempt;

-- name: EnqueueSteps :batchexec
INSERT INTO workflow_run_steps (run_id, agent_id, step_index, name, input)
VALUES (@run_id, sqlc.narg(agent_id), @step_index, @name, @input);

-- name: RecordStepResult :one
-- A worker reports a step attempt's outcome; a retry is a new attempt number.
INSERT INTO workflow_run_steps (run_id, agent_id, step_index, attempt, name, status, input, output, error, started_at, finished_at)
VALUES (@run_id, sqlc.narg(agent_id), @step_index, @attempt, @name, @status, @input, sqlc.narg(output), sqlc.narg(error), @started_at, now())
ON CONFLICT (run_id, step_index, attempt) DO UPDATE
SET status = EXCLUDED.status, output = EXCLUDED.output, error = EXCLUDED.error, finished_at = EXCLUDED.finished_at
RETURNING id, status, finished_at;

-- name: NextPendingStep :batchone
SELECT id, step_index, name, input
FROM workflow_run_steps
WHERE run_id = $1 AND status = 'pending'
ORDER BY step_index
LIMIT 1;
