-- Catalog and stock on hand. Prices are integer minor units of the product's currency.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE products (
    id                uuid PRIMARY KEY,
    slug              text NOT NULL UNIQUE,
    name              text NOT NULL,
    description       text,
    short_description text,
    category          text,
    tags              text[] NOT NULL DEFAULT '{}',
    images            jsonb NOT NULL DEFAULT '[]'::jsonb,
    status            text NOT NULL CHECK (status IN ('draft', 'active', 'archived')),
    is_featured       boolean NOT NULL DEFAULT false,
    currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    attributes        jsonb NOT NULL DEFAULT '{}'::jsonb,
    seo_title         text,
    seo_description   text,
    -- Derived on every write: the cheapest variant's price, and the text search reads.
    min_price         bigint NOT NULL CHECK (min_price >= 0),
    search_text       text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE INDEX products_status_created_idx ON products (status, created_at, id);
CREATE INDEX products_status_price_idx ON products (status, min_price, id);
CREATE INDEX products_status_name_idx ON products (status, lower(name), id);
CREATE INDEX products_category_idx ON products (category, status, min_price);
CREATE INDEX products_featured_idx ON products (status, created_at) WHERE is_featured;
CREATE INDEX products_tags_idx ON products USING gin (tags);
CREATE INDEX products_search_idx ON products USING gin (search_text gin_trgm_ops);

CREATE TABLE variants (
    id               uuid PRIMARY KEY,
    product_id       uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku              text NOT NULL UNIQUE,
    name             text NOT NULL,
    options          jsonb NOT NULL DEFAULT '{}'::jsonb,
    price            bigint NOT NULL CHECK (price >= 0),
    compare_at_price bigint CHECK (compare_at_price >= 0),
    cost_price       bigint CHECK (cost_price >= 0),
    weight_grams     bigint NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
    position         integer NOT NULL
);
CREATE INDEX variants_product_idx ON variants (product_id, position);

CREATE TABLE stock_levels (
    variant_id          uuid PRIMARY KEY REFERENCES variants (id) ON DELETE CASCADE,
    on_hand             bigint NOT NULL CHECK (on_hand >= 0),
    track_inventory     boolean NOT NULL DEFAULT true,
    low_stock_threshold bigint NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0),
    updated_at          timestamptz NOT NULL
);
-- in_stock filter: products with a sellable variant.
CREATE INDEX stock_levels_sellable_idx ON stock_levels (variant_id) WHERE on_hand > 0 OR NOT track_inventory;

CREATE TABLE stock_adjustments (
    id         bigserial PRIMARY KEY,
    variant_id uuid NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    actor      text NOT NULL,
    reason     text NOT NULL,
    before     bigint NOT NULL,
    after      bigint NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX stock_adjustments_variant_idx ON stock_adjustments (variant_id, at DESC);
