-- Everything on a table this file creates: nothing uses it yet.
CREATE TABLE IF NOT EXISTS invoices (id bigint NOT NULL, order_id bigint, total numeric);
CREATE INDEX IF NOT EXISTS invoices_order_idx ON invoices (order_id);
ALTER TABLE invoices ADD CONSTRAINT invoices_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE invoices ADD CONSTRAINT invoices_id_key UNIQUE (id);
