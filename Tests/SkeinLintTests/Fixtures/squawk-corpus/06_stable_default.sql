-- PostgreSQL 11+ stores a non-volatile default in the catalog: no rewrite.
SET lock_timeout = '5s';
ALTER TABLE users ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE users ADD COLUMN IF NOT EXISTS active boolean NOT NULL DEFAULT true;
