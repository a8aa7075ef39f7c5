-- Spec §12: each refund of an order is a row. A pending refund is already counted in its
-- order's ledger (written in the same transaction), so refunds never exceed what was captured.
CREATE TABLE refunds (
    id UUID PRIMARY KEY,
    order_id UUID NOT NULL REFERENCES orders (id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    provider_ref TEXT,
    reason TEXT,
    restocked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX refunds_order ON refunds (order_id, created_at);
