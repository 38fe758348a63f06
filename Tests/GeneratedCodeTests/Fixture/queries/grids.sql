-- name: CreateGrid :one
INSERT INTO grids (cells, labels, stamps, prices, ratios, statuses)
VALUES (@cells, @labels, @stamps, @prices, @ratios, @statuses)
RETURNING *;

-- name: SetGridCells :execrows
UPDATE grids SET cells = @cells WHERE id = @id;

-- name: GridCells :one
SELECT cells, array_ndims(cells) AS dimensions FROM grids WHERE id = @id;

-- name: CopyTagSets :copyfrom
INSERT INTO tag_sets (names, statuses, blobs, amounts, seen, flags) VALUES (@names, @statuses, @blobs, @amounts, @seen, @flags);

-- name: TagSets :many
SELECT * FROM tag_sets ORDER BY id;
