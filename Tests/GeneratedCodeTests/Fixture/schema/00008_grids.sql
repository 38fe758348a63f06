-- +goose Up
-- Arrays declared with several dimensions: SkeinTypes' PostgresMultiArray (PostgresNIO reads one dimension);
-- numeric in arrays (SkeinTypes gives Decimal PostgresNIO's array conformances).
CREATE TABLE grids (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cells integer[][] NOT NULL,
    labels text[][][],
    stamps timestamptz[][],
    prices numeric[],
    ratios numeric(6, 3)[][],
    statuses user_status[][]
);

-- :copyfrom of one-dimensional arrays and bit strings (COPY's text form of each).
CREATE TABLE tag_sets (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    names text[] NOT NULL,
    statuses user_status[],
    blobs bytea[],
    amounts numeric[],
    seen timestamptz[],
    flags bit varying(16)
);

-- +goose Down
DROP TABLE tag_sets;
DROP TABLE grids;
