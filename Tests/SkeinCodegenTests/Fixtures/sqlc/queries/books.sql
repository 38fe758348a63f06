-- name: BookWithAuthor :one
SELECT b.id, b.title, a.name AS author_name, a.bio AS author_bio
FROM books b
JOIN authors a ON a.id = b.author_id
WHERE b.id = $1;

-- name: BooksLeftJoinAuthors :many
SELECT b.id, b.title, a.id AS author_id, a.name AS author_name, a.mood AS author_mood, a.tags AS author_tags
FROM books b
LEFT JOIN authors a ON a.id = b.author_id;

-- name: AuthorsRightJoinBooks :many
SELECT a.id AS author_id, a.name AS author_name, b.id AS book_id, b.title
FROM authors a
RIGHT JOIN books b ON b.author_id = a.id;

-- name: AuthorsFullJoinBooks :many
SELECT a.name AS author_name, b.title
FROM authors a
FULL JOIN books b ON b.author_id = a.id;

-- name: ThreeWayLeftJoin :many
SELECT a.id, b.title, r.stars, r.reviewed_at
FROM authors a
LEFT JOIN books b ON b.author_id = a.id
LEFT JOIN reviews r ON r.book_id = b.id
WHERE a.id = @author_id;

-- name: CreateBook :one
INSERT INTO books (author_id, title, isbn, pages, price, published, cover, metadata)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, title, isbn, pages, price, published, cover, metadata;

-- name: SetBookPrice :execrows
UPDATE books SET price = sqlc.narg(price) WHERE id = ANY(sqlc.slice(ids)::bigint[]);

-- name: CreateReview :one
INSERT INTO reviews (book_id, stars, body) VALUES ($1, $2, $3) RETURNING id, reviewed_at;
