-- name: CreateCatalogNode :one
INSERT INTO catalog_nodes (path, name, attributes, aliases)
VALUES (@path, @name, sqlc.narg('attributes'), @aliases)
RETURNING *;

-- name: CatalogNodesUnder :many
SELECT id, path, name FROM catalog_nodes WHERE path <@ @root ORDER BY path;

-- name: CatalogNodeByName :one
SELECT * FROM catalog_nodes WHERE name = @name;

-- name: CatalogNodesMatching :many
SELECT id, path FROM catalog_nodes WHERE path ~ @pattern::lquery ORDER BY id;

-- name: CatalogNodeAttribute :one
SELECT attributes -> @key::text AS value FROM catalog_nodes WHERE id = @id;
