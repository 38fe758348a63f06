-- +goose Up
ALTER TABLE t00001_sessions ADD COLUMN locale varchar(16) NOT NULL DEFAULT 'en';
ALTER TABLE t00001_sessions ADD COLUMN last_seen_at timestamptz;

-- +goose Down
ALTER TABLE t00001_sessions DROP COLUMN last_seen_at;
ALTER TABLE t00001_sessions DROP COLUMN locale;
