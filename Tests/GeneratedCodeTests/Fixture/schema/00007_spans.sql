-- +goose Up
-- User-defined ranges: their OIDs differ per database (SkeinTypes' PostgresCustomRange binds them untyped).
CREATE TYPE uuid_span AS RANGE (subtype = uuid);
CREATE TYPE score_span AS RANGE (subtype = float8);
CREATE TABLE spans (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ids uuid_span NOT NULL,
    scores score_span
);

-- +goose Down
DROP TABLE spans;
DROP TYPE score_span;
DROP TYPE uuid_span;
