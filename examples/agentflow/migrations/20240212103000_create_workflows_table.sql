-- +goose Up
-- A workflow is a versioned graph of steps, each executed by an agent.
CREATE TABLE IF NOT EXISTS workflows (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    owner_id         uuid        NOT NULL,
    -- Agent used for steps that do not name one explicitly; optional.
    default_agent_id uuid,
    name             text        NOT NULL,
    description      text,
    version          integer     NOT NULL DEFAULT 1,
    -- The step graph (nodes, edges, per-step overrides) as JSON.
    definition       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    is_active        boolean     NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workflows_pkey PRIMARY KEY (id),
    CONSTRAINT workflows_owner_id_fkey FOREIGN KEY (owner_id)
        REFERENCES users (id) ON DELETE CASCADE,
    -- Removing an agent must not delete the workflows that defaulted to it.
    CONSTRAINT workflows_default_agent_id_fkey FOREIGN KEY (default_agent_id)
        REFERENCES agents (id) ON DELETE SET NULL,
    CONSTRAINT workflows_owner_id_name_version_key UNIQUE (owner_id, name, version),
    CONSTRAINT workflows_version_positive_check CHECK (version > 0)
);

CREATE INDEX IF NOT EXISTS idx_workflows_owner_id ON workflows (owner_id);
CREATE INDEX IF NOT EXISTS idx_workflows_default_agent_id ON workflows (default_agent_id);

-- Partial index: the dashboard only lists active workflows.
CREATE INDEX IF NOT EXISTS idx_workflows_owner_id_active
    ON workflows (owner_id, updated_at DESC)
    WHERE is_active;

CREATE TRIGGER trg_workflows_set_updated_at
    BEFORE UPDATE ON workflows
    FOR EACH ROW
    EXECUTE FUNCTION set_updated_at();

-- +goose Down
DROP TRIGGER IF EXISTS trg_workflows_set_updated_at ON workflows;
DROP INDEX IF EXISTS idx_workflows_owner_id_active;
DROP INDEX IF EXISTS idx_workflows_default_agent_id;
DROP INDEX IF EXISTS idx_workflows_owner_id;
DROP TABLE IF EXISTS workflows;
