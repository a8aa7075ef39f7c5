-- Spec §12: every order carries flags for an admin (amount_mismatch, paid_after_expiry,
-- disputed) and its payment ledger (authorised, captured, refunded, in minor units).
ALTER TABLE orders
    ADD COLUMN flags TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN ledger JSONB NOT NULL DEFAULT '{"authorized": 0, "captured": 0, "refunded": 0}';

-- Orders already paid (a captured session) captured their total.
UPDATE orders
SET ledger = jsonb_build_object('authorized', 0, 'captured', (totals->>'total')::BIGINT, 'refunded', 0)
WHERE payment_status = 'paid';
