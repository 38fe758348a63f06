-- +goose Up
-- Column names that are Swift keywords (self among them), for the generated code to compile with.
CREATE TABLE entries (
    id int PRIMARY KEY,
    "self" text,
    "default" text NOT NULL,
    "let" integer,
    type text
);

-- +goose Down
DROP TABLE entries;
