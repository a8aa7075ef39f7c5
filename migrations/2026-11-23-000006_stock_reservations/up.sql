-- Units held for a checkout (or an unpaid order) until they expire. A reservation stops
-- counting at `expires_at` whether or not the sweeper has deleted it.
CREATE TABLE stock_reservations (
    id BIGSERIAL PRIMARY KEY,
    holder TEXT NOT NULL,
    variant_id UUID NOT NULL REFERENCES stock_levels (variant_id) ON DELETE CASCADE,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX stock_reservations_variant ON stock_reservations (variant_id, expires_at);
CREATE INDEX stock_reservations_holder ON stock_reservations (holder);
CREATE INDEX stock_reservations_expires_at ON stock_reservations (expires_at);
