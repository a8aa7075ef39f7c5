-- Pricing tables (tax, shipping, discounts) and carts.

CREATE TABLE tax_rates (
    id UUID PRIMARY KEY,
    country TEXT NOT NULL,
    state TEXT,
    name TEXT NOT NULL,
    -- percent × 10,000 (parts per million of the base): 7.25 % is 72500.
    rate_ppm INTEGER NOT NULL CHECK (rate_ppm BETWEEN 0 AND 1000000),
    tax_shipping BOOLEAN NOT NULL,
    business_exemption BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- One rate per country (state NULL) and per country + state.
CREATE UNIQUE INDEX tax_rates_zone_key ON tax_rates (country, COALESCE(state, ''));

-- One row, ever: written by the instance that installs the shipped defaults.
CREATE TABLE pricing_defaults_installs (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    installed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE shipping_zones (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    countries TEXT[] NOT NULL,
    states TEXT[] NOT NULL,
    -- The zone's methods with their per-currency price lists, stored whole with the zone.
    methods JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE discounts (
    id UUID PRIMARY KEY,
    code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('percentage', 'fixed_amount')),
    value BIGINT NOT NULL,
    currency TEXT,
    minimum_order_amount BIGINT,
    usage_limit BIGINT,
    usage_limit_per_customer BIGINT,
    times_used BIGINT NOT NULL DEFAULT 0,
    starts_at TIMESTAMPTZ,
    ends_at TIMESTAMPTZ,
    is_active BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- Codes are stored upper case and match case-insensitively.
CREATE UNIQUE INDEX discounts_code_key ON discounts (code);
CREATE INDEX discounts_created_at ON discounts (created_at DESC, id DESC);

-- Orders that consumed a code (written by checkout), for per-customer limits.
CREATE TABLE discount_redemptions (
    discount_id UUID NOT NULL REFERENCES discounts (id) ON DELETE CASCADE,
    order_ref TEXT NOT NULL,
    customer TEXT NOT NULL,
    redeemed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (discount_id, order_ref)
);
CREATE INDEX discount_redemptions_customer ON discount_redemptions (discount_id, customer);

CREATE TABLE carts (
    id UUID PRIMARY KEY,
    user_id UUID REFERENCES users (id) ON DELETE CASCADE,
    session_id TEXT,
    currency TEXT NOT NULL,
    discount_code TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    CHECK ((user_id IS NULL) <> (session_id IS NULL))
);
CREATE INDEX carts_user_current ON carts (user_id, updated_at DESC) WHERE user_id IS NOT NULL;
CREATE INDEX carts_session_current ON carts (session_id, updated_at DESC) WHERE session_id IS NOT NULL;
CREATE INDEX carts_expires_at ON carts (expires_at);

CREATE TABLE cart_items (
    id UUID PRIMARY KEY,
    cart_id UUID NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    -- No foreign keys to the catalog: a product in a cart is archived, not erased, and a
    -- line whose product went anyway is left out of the cart view.
    product_id UUID NOT NULL,
    variant_id UUID NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    metadata JSONB NOT NULL,
    added_at TIMESTAMPTZ NOT NULL,
    UNIQUE (cart_id, variant_id)
);
CREATE INDEX cart_items_product ON cart_items (product_id);
