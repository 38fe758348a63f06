-- +goose Up
CREATE TYPE e_00018_status AS ENUM ('pending', 'active', 'suspended', 'closed');

-- +goose Down
DROP TYPE e_00018_status;
