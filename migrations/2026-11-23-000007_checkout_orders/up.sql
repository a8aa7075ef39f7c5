-- Order numbers (MRX-YYYY-NNNNNN) come from one sequence shared by every instance.
CREATE SEQUENCE order_numbers;

CREATE TABLE orders (
    id UUID PRIMARY KEY,
    order_number TEXT NOT NULL UNIQUE,
    user_id UUID REFERENCES users (id) ON DELETE SET NULL,
    email TEXT NOT NULL,
    status TEXT NOT NULL,
    payment_status TEXT NOT NULL,
    currency TEXT NOT NULL,
    -- The item snapshot and the breakdown, as placed: later catalog edits never touch them.
    items JSONB NOT NULL,
    totals JSONB NOT NULL,
    discount_code TEXT,
    shipping_address JSONB NOT NULL,
    billing_address JSONB NOT NULL,
    shipping_method TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    payment_provider_ref TEXT,
    tracking_number TEXT,
    notes TEXT,
    admin_note TEXT,
    cancel_reason TEXT,
    -- One order per checkout session, whatever races.
    checkout_id UUID UNIQUE,
    token_hash TEXT,
    stock_taken BOOLEAN NOT NULL,
    payment_due_at TIMESTAMPTZ,
    confirmed_at TIMESTAMPTZ,
    shipped_at TIMESTAMPTZ,
    delivered_at TIMESTAMPTZ,
    cancelled_at TIMESTAMPTZ,
    paid_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX orders_created ON orders (created_at DESC, id DESC);
CREATE INDEX orders_user ON orders (user_id, created_at DESC) WHERE user_id IS NOT NULL;
CREATE INDEX orders_status ON orders (status, created_at DESC);
CREATE INDEX orders_unpaid_due ON orders (payment_due_at) WHERE status = 'pending';
-- Products referenced by orders are archived, not erased.
CREATE INDEX orders_items ON orders USING GIN (items jsonb_path_ops);

CREATE TABLE checkout_sessions (
    id UUID PRIMARY KEY,
    cart_id UUID NOT NULL,
    status TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    order_id UUID,
    updated_at TIMESTAMPTZ NOT NULL,
    -- The session as opened (locked items, totals, addresses, payment); the columns above
    -- are what changes afterwards.
    body JSONB NOT NULL
);
CREATE INDEX checkout_sessions_open_cart ON checkout_sessions (cart_id) WHERE status = 'open';
CREATE INDEX checkout_sessions_open_expiry ON checkout_sessions (expires_at) WHERE status = 'open';

CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    -- NULL while the first request is still being answered.
    status SMALLINT,
    body TEXT,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
