-- name: CreateInvoice :one
INSERT INTO billing.invoices (customer, amount_cents, period, details, due, notes)
VALUES (@customer, @amount_cents, @period, @details, @due, @notes)
RETURNING *;

-- name: GetInvoice :one
SELECT * FROM billing.invoices WHERE id = $1;

-- name: InvoicesInStates :many
SELECT id, customer, state FROM billing.invoices WHERE state = ANY(sqlc.slice(states)) ORDER BY id;

-- name: MarkInvoice :execrows
UPDATE billing.invoices SET state = @state WHERE id = @id AND state <> @state;

-- name: InvoiceTotals :many
SELECT i.id, i.amount_cents, COALESCE(sum(p.amount_cents), 0)::bigint AS paid_cents, max(p.paid_at) AS last_paid_at,
       CASE WHEN i.state = 'paid' THEN 'settled' END AS label
FROM billing.invoices i LEFT JOIN billing.payments p ON p.invoice_id = i.id
GROUP BY i.id ORDER BY i.id;

-- name: RecordPayments :batchexec
INSERT INTO billing.payments (invoice_id, amount_cents) VALUES ($1, $2);

-- name: CreditNoteLines :one
SELECT lines FROM billing.credit_notes WHERE invoice_id = $1 ORDER BY id LIMIT 1;
