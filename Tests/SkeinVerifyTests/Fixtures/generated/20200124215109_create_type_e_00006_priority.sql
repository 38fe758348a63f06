-- +goose Up
CREATE TYPE e_00006_priority AS ENUM ('low', 'normal', 'high', 'urgent');

-- +goose Down
DROP TYPE e_00006_priority;
