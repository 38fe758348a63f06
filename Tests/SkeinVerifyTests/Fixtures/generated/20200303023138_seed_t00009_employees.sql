-- +goose Up
INSERT INTO t00009_employees (id, name, score, priority, amount_cents, status, metadata) VALUES
    (1, 'name 1', 1.5, 1, 100, 'inactive', '{"k": 1}'),
    (2, 'name 2', 2.5, 2, 200, 'archived', '{"k": 2}'),
    (3, 'name 3', 3.5, 3, 300, 'active', '{"k": 3}'),
    (4, 'name 4', 4.5, 4, 400, 'inactive', '{"k": 4}'),
    (5, 'name 5', 5.5, 5, 500, 'archived', '{"k": 5}'),
    (6, 'name 6', 6.5, 6, 600, 'active', '{"k": 6}'),
    (7, 'name 7', 7.5, 7, 700, 'inactive', '{"k": 7}'),
    (8, 'name 8', 8.5, 8, 800, 'archived', '{"k": 8}'),
    (9, 'name 9', 9.5, 9, 900, 'active', '{"k": 9}'),
    (10, 'name 10', 10.5, 10, 1000, 'inactive', '{"k": 10}'),
    (11, 'name 11', 11.5, 0, 1100, 'archived', '{"k": 11}'),
    (12, 'name 12', 12.5, 1, 1200, 'active', '{"k": 12}'),
    (13, 'name 13', 13.5, 2, 1300, 'inactive', '{"k": 13}'),
    (14, 'name 14', 14.5, 3, 1400, 'archived', '{"k": 14}'),
    (15, 'name 15', 15.5, 4, 1500, 'active', '{"k": 15}'),
    (16, 'name 16', 16.5, 5, 1600, 'inactive', '{"k": 16}'),
    (17, 'name 17', 17.5, 6, 1700, 'archived', '{"k": 17}');

-- +goose Down
DELETE FROM t00009_employees WHERE id BETWEEN 1 AND 17;
