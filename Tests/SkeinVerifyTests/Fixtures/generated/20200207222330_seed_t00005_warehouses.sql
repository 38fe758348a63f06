-- +goose Up
INSERT INTO t00005_warehouses (id, name, amount_cents, is_active, quantity) VALUES
    (1, 'name 1', 100, true, 2),
    (2, 'name 2', 200, false, 3),
    (3, 'name 3', 300, true, 4),
    (4, 'name 4', 400, false, 5),
    (5, 'name 5', 500, true, 6),
    (6, 'name 6', 600, false, 7),
    (7, 'name 7', 700, true, 8),
    (8, 'name 8', 800, false, 9),
    (9, 'name 9', 900, true, 10),
    (10, 'name 10', 1000, false, 1),
    (11, 'name 11', 1100, true, 2),
    (12, 'name 12', 1200, false, 3),
    (13, 'name 13', 1300, true, 4);

-- +goose Down
DELETE FROM t00005_warehouses WHERE id BETWEEN 1 AND 13;
