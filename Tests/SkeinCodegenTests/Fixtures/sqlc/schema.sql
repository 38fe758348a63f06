-- The schema both sqlc and Skein read (Tests/SkeinCodegenTests/SqlcAgreementTests.swift).
CREATE TYPE mood AS ENUM ('happy', 'sad', 'neutral');
CREATE DOMAIN email_address AS text NOT NULL CHECK (VALUE LIKE '%@%');

CREATE TABLE authors (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    email email_address UNIQUE,
    bio text,
    mood mood NOT NULL DEFAULT 'neutral',
    previous_mood mood,
    tags text[] NOT NULL DEFAULT '{}',
    nicknames text[],
    moods mood[],
    profile jsonb NOT NULL DEFAULT '{}',
    settings jsonb,
    external_id uuid NOT NULL DEFAULT gen_random_uuid(),
    referrer uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    balance numeric(12, 2) NOT NULL DEFAULT 0,
    rating numeric,
    active boolean NOT NULL DEFAULT true,
    age integer,
    score double precision
);

CREATE TABLE books (
    id bigserial PRIMARY KEY,
    author_id bigint REFERENCES authors (id),
    title varchar(200) NOT NULL,
    isbn char(13),
    pages smallint NOT NULL,
    price numeric(10, 2),
    published date,
    cover bytea,
    metadata json
);

CREATE TABLE reviews (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book_id bigint NOT NULL REFERENCES books (id),
    stars smallint NOT NULL,
    body text,
    reviewed_at timestamp NOT NULL DEFAULT now()
);
