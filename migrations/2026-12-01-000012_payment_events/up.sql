-- Spec §12: every verified provider event, recorded in the transaction of its effect. The
-- primary key makes a repeat (or the same event on two instances at once) change nothing.
CREATE TABLE payment_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (provider, event_id)
);
-- Refund and dispute events name the payment, not the order.
CREATE INDEX orders_payment_provider_ref ON orders (payment_provider_ref)
    WHERE payment_provider_ref IS NOT NULL;
