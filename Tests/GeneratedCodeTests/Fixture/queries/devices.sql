-- name: CreateDevice :one
INSERT INTO devices (
    address, network, mac, mac8, heartbeat, price, flags, wal, config, kind, owner_table, opens, maintenance, slots, spot
)
VALUES (
    @address, @network, @mac, @mac8, @heartbeat, @price, @flags, @wal, @config, @kind, @owner_table, @opens,
    @maintenance, @slots, @spot
)
RETURNING *;

-- name: GetDevice :one
SELECT * FROM devices WHERE id = @id;

-- name: DevicesIn :many
SELECT id, address FROM devices WHERE address <<= @network::cidr ORDER BY id;

-- name: LockDevice :one
SELECT pg_advisory_xact_lock(@id);
