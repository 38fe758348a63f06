-- name: CountAuthors :one
SELECT count(*) AS total FROM authors;

-- name: AuthorStats :one
SELECT count(id) AS n, sum(balance) AS total_balance, max(created_at) AS newest, min(age) AS youngest,
       avg(score) AS mean_score, array_agg(name) AS names, coalesce(sum(age), 0) AS age_sum,
       coalesce(max(bio), 'none') AS some_bio
FROM authors;

-- name: BooksPerAuthor :many
SELECT a.id, a.name, count(b.id) AS book_count, sum(b.pages) AS total_pages, max(b.price) AS top_price
FROM authors a
LEFT JOIN books b ON b.author_id = a.id
GROUP BY a.id, a.name
HAVING count(b.id) >= $1
ORDER BY book_count DESC;

-- name: MoodBuckets :many
SELECT mood, count(*) AS n FROM authors GROUP BY mood;

-- name: AgeLabels :many
SELECT id,
       CASE WHEN age < 18 THEN 'minor' ELSE 'adult' END AS with_else,
       CASE WHEN age < 18 THEN 'minor' END AS without_else,
       CASE WHEN active THEN balance ELSE 0 END AS balance_or_zero
FROM authors;

-- name: RecentWithCTE :many
WITH recent AS (
    SELECT id, name, bio, created_at FROM authors WHERE created_at >= $1
)
SELECT id, name, bio, created_at FROM recent ORDER BY created_at DESC;

-- name: CTEWithAggregate :many
WITH per_author AS (
    SELECT author_id, count(*) AS books FROM books GROUP BY author_id
)
SELECT a.id, a.name, p.books
FROM authors a
JOIN per_author p ON p.author_id = a.id;

-- name: InsertWithCTE :one
WITH inserted AS (
    INSERT INTO authors (name, email) VALUES (@name, @email) RETURNING id, name, created_at
)
SELECT id, name, created_at FROM inserted;

-- name: SubqueryColumn :many
SELECT a.id, (SELECT max(b.title) FROM books b WHERE b.author_id = a.id) AS latest_title
FROM authors a;
