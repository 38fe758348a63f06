-- +goose Up
CREATE TABLE agents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id bigint REFERENCES users (id),
    name text NOT NULL,
    score double precision,
    runs integer NOT NULL DEFAULT 0,
    avatar bytea,
    flags boolean[],
    statuses user_status[]
);

-- +goose StatementBegin
CREATE FUNCTION agent_label(agent_name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT upper(agent_name);
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION agent_label(text);
DROP TABLE agents;
