-- name: CreateRoutePlan :one
INSERT INTO route_plans (zips, labels, stops) VALUES (@zips, @labels, @stops) RETURNING *;

-- name: RoutePlanZips :one
SELECT zips, labels FROM route_plans WHERE id = @id;

-- name: RoutePlanLabels :one
SELECT labels FROM route_plans WHERE id = @id;

-- name: RoutePlansThrough :many
SELECT id, zips FROM route_plans WHERE zips && @zips ORDER BY id;

-- name: RoutePlanAsValue :one
SELECT p FROM route_plans p WHERE p.id = @id;

-- name: RoutePlanWaypoints :one
SELECT waypoints FROM route_plans WHERE id = @id;
