-- +goose Up
-- The kind of an agent decides how the runtime executes it.
CREATE TYPE agent_kind AS ENUM ('llm', 'tool', 'retriever', 'router', 'human');

-- Agents are reusable, user-owned units of work that workflow steps invoke.
CREATE TABLE IF NOT EXISTS agents (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    owner_id    uuid        NOT NULL,
    name        text        NOT NULL,
    kind        agent_kind  NOT NULL DEFAULT 'llm',
    description text,
    -- Free-form runtime configuration (model, temperature, tools, prompts...).
    config      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agents_pkey PRIMARY KEY (id),
    -- Deleting a user deletes the agents they own.
    CONSTRAINT agents_owner_id_fkey FOREIGN KEY (owner_id)
        REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT agents_owner_id_name_key UNIQUE (owner_id, name),
    CONSTRAINT agents_config_is_object_check CHECK (jsonb_typeof(config) = 'object')
);

CREATE INDEX IF NOT EXISTS idx_agents_kind ON agents (kind);

-- GIN index so configs can be searched with @> (e.g. all agents using a given model).
CREATE INDEX IF NOT EXISTS idx_agents_config_gin ON agents USING gin (config jsonb_path_ops);

CREATE TRIGGER trg_agents_set_updated_at
    BEFORE UPDATE ON agents
    FOR EACH ROW
    EXECUTE FUNCTION set_updated_at();

-- +goose Down
DROP TRIGGER IF EXISTS trg_agents_set_updated_at ON agents;
DROP INDEX IF EXISTS idx_agents_config_gin;
DROP INDEX IF EXISTS idx_agents_kind;
DROP TABLE IF EXISTS agents;
DROP TYPE IF EXISTS agent_kind;
