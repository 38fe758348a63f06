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
