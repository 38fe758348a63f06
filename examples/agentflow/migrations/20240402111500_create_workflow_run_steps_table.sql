-- +goose Up
-- Steps of a workflow run, one row per executed node, in execution order.
CREATE TABLE IF NOT EXISTS workflow_run_steps (
    id          uuid                NOT NULL DEFAULT gen_random_uuid(),
    run_id      uuid                NOT NULL,
    agent_id    uuid,
    step_index  integer             NOT NULL,
    name        text                NOT NULL,
    status      workflow_run_status NOT NULL DEFAULT 'pending',
    input       jsonb               NOT NULL DEFAULT '{}'::jsonb,
    output      jsonb,
    error       text,
    attempt     integer             NOT NULL DEFAULT 1,
    started_at  timestamptz,
    finished_at timestamptz,
    created_at  timestamptz         NOT NULL DEFAULT now(),
    updated_at  timestamptz         NOT NULL DEFAULT now(),
    CONSTRAINT workflow_run_steps_pkey PRIMARY KEY (id),
    -- Steps live and die with their run.
    CONSTRAINT workflow_run_steps_run_id_fkey FOREIGN KEY (run_id)
        REFERENCES workflow_runs (id) ON DELETE CASCADE,
    -- Keep the step history even if the agent that ran it is removed.
    CONSTRAINT workflow_run_steps_agent_id_fkey FOREIGN KEY (agent_id)
        REFERENCES agents (id) ON DELETE SET NULL,
    CONSTRAINT workflow_run_steps_run_id_step_index_attempt_key UNIQUE (run_id, step_index, attempt),
    CONSTRAINT workflow_run_steps_step_index_check CHECK (step_index >= 0),
    CONSTRAINT workflow_run_steps_attempt_check CHECK (attempt >= 1),
    CONSTRAINT workflow_run_steps_finished_after_started_check
        CHECK (finished_at IS NULL OR (started_at IS NOT NULL AND finished_at >= started_at))
);

CREATE INDEX IF NOT EXISTS idx_workflow_run_steps_agent_id ON workflow_run_steps (agent_id);

-- Partial index for workers picking up steps that still have to run.
CREATE INDEX IF NOT EXISTS idx_workflow_run_steps_pending
    ON workflow_run_steps (run_id, step_index)
    WHERE status = 'pending';

CREATE TRIGGER trg_workflow_run_steps_set_updated_at
    BEFORE UPDATE ON workflow_run_steps
    FOR EACH ROW
    EXECUTE FUNCTION set_updated_at();

-- +goose Down
DROP TRIGGER IF EXISTS trg_workflow_run_steps_set_updated_at ON workflow_run_steps;
DROP INDEX IF EXISTS idx_workflow_run_steps_pending;
DROP INDEX IF EXISTS idx_workflow_run_steps_agent_id;
DROP TABLE IF EXISTS workflow_run_steps;
