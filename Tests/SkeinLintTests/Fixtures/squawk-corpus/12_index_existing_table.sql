CREATE INDEX IF NOT EXISTS orders_user_idx ON orders (user_id);
