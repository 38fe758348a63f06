-- A foreign key validated while it holds its lock, with no lock_timeout.
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
