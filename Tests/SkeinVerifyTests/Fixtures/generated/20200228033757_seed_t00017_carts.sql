-- +goose Up
INSERT INTO t00017_carts (id, name, starts_on, email, amount_cents) VALUES
    (1, 'name 1', '2024-02-02', 'user1@example.com', 100),
    (2, 'name 2', '2024-03-03', 'user2@example.com', 200),
    (3, 'name 3', '2024-04-04', 'user3@example.com', 300),
    (4, 'name 4', '2024-05-05', 'user4@example.com', 400),
    (5, 'name 5', '2024-06-06', 'user5@example.com', 500),
    (6, 'name 6', '2024-07-07', 'user6@example.com', 600),
    (7, 'name 7', '2024-08-08', 'user7@example.com', 700),
    (8, 'name 8', '2024-09-09', 'user8@example.com', 800),
    (9, 'name 9', '2024-10-10', 'user9@example.com', 900);

-- +goose Down
DELETE FROM t00017_carts WHERE id BETWEEN 1 AND 9;
