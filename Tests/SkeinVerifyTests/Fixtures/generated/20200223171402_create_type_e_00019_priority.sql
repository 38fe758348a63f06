-- +goose Up
CREATE TYPE e_00019_priority AS ENUM ('low', 'normal', 'high', 'urgent');

-- +goose Down
DROP TYPE e_00019_priority;
