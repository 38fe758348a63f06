-- +goose Up
CREATE TYPE e_00015_role AS ENUM ('owner', 'admin', 'member', 'viewer');

-- +goose Down
DROP TYPE e_00015_role;
