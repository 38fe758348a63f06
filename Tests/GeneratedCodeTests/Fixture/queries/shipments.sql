-- name: CreateShipment :one
INSERT INTO shipments (destination)
VALUES (ROW(@street::text, sqlc.narg('city')::text, @zip::integer)::postal_address)
RETURNING *;

-- name: AddShipmentLeg :one
UPDATE shipments
SET legs = legs || ROW(destination, ROW(@street::text, NULL, @zip::integer)::postal_address, @days::smallint)::shipment_leg
WHERE id = @id
RETURNING legs;

-- name: ShipmentDestination :one
SELECT destination FROM shipments WHERE id = @id;

-- name: ShipmentAsValue :one
-- A table's row type as a value: the table's model, read as a record.
SELECT s FROM shipments s WHERE s.id = @id;

-- name: AllShipments :one
SELECT array_agg(s ORDER BY s.id) AS shipments FROM shipments s;
