-- +goose Up
CREATE TYPE user_status AS ENUM ('active', 'suspended', 'in-review');
CREATE DOMAIN email_address AS text NOT NULL CHECK (VALUE LIKE '%@%');

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email email_address UNIQUE,
    display_name text,
    status user_status NOT NULL DEFAULT 'active',
    tags text[] NOT NULL DEFAULT '{}',
    settings jsonb,
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    external_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE users;
DROP DOMAIN email_address;
DROP TYPE user_status;
