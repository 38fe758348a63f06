-- +goose Up
-- Lifecycle of a run (also reused for the individual steps of a run).
CREATE TYPE workflow_run_status AS ENUM ('pending', 'running', 'succeeded', 'failed', 'cancelled');

-- One execution of a workflow with its input, output and timing.
CREATE TABLE IF NOT EXISTS workflow_runs (
    id           uuid                NOT NULL DEFAULT gen_random_uuid(),
    workflow_id  uuid                NOT NULL,
    -- The user who started the run; kept as NULL if that user is deleted.
    triggered_by uuid,
    status       workflow_run_status NOT NULL DEFAULT 'pending',
    input        jsonb               NOT NULL DEFAULT '{}'::jsonb,
    output       jsonb,
    error        text,
    started_at   timestamptz,
    finished_at  timestamptz,
    created_at   timestamptz         NOT NULL DEFAULT now(),
    updated_at   timestamptz         NOT NULL DEFAULT now(),
    CONSTRAINT workflow_runs_pkey PRIMARY KEY (id),
    CONSTRAINT workflow_runs_workflow_id_fkey FOREIGN KEY (workflow_id)
        REFERENCES workflows (id) ON DELETE CASCADE,
    CONSTRAINT workflow_runs_triggered_by_fkey FOREIGN KEY (triggered_by)
        REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT workflow_runs_finished_after_started_check
        CHECK (finished_at IS NULL OR (started_at IS NOT NULL AND finished_at >= started_at))
);

CREATE INDEX IF NOT EXISTS idx_workflow_runs_workflow_id_created_at
    ON workflow_runs (workflow_id, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_workflow_runs_triggered_by ON workflow_runs (triggered_by);

-- Partial index for the scheduler, which only polls runs that are not finished.
CREATE INDEX IF NOT EXISTS idx_workflow_runs_unfinished
    ON workflow_runs (created_at)
    WHERE status IN ('pending', 'running');

CREATE TRIGGER trg_workflow_runs_set_updated_at
    BEFORE UPDATE ON workflow_runs
    FOR EACH ROW
    EXECUTE FUNCTION set_updated_at();

-- +goose Down
DROP TRIGGER IF EXISTS trg_workflow_runs_set_updated_at ON workflow_runs;
DROP INDEX IF EXISTS idx_workflow_runs_unfinished;
DROP INDEX IF EXISTS idx_workflow_runs_triggered_by;
DROP INDEX IF EXISTS idx_workflow_runs_workflow_id_created_at;
DROP TABLE IF EXISTS workflow_runs;
DROP TYPE IF EXISTS workflow_run_status;
