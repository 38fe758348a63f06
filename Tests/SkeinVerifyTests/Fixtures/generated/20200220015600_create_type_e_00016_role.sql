-- +goose Up
CREATE TYPE e_00016_role AS ENUM ('owner', 'admin', 'member', 'viewer');

-- +goose Down
DROP TYPE e_00016_role;
