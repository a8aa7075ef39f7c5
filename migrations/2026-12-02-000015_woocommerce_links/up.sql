-- Links between our ids and WooCommerce's (spec §13), and the webhook bodies applied.
CREATE TABLE woocommerce_products (
    product_id uuid PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
    remote_id bigint NOT NULL,
    -- {"variations": [[variant_id, variation_id], ...], "variants": [variant_id, ...]}
    variations jsonb NOT NULL,
    synced_at timestamptz NOT NULL
);
CREATE INDEX woocommerce_products_remote ON woocommerce_products (remote_id);

CREATE TABLE woocommerce_orders (
    order_id uuid PRIMARY KEY REFERENCES orders (id),
    remote_id bigint NOT NULL,
    number text NOT NULL,
    status text NOT NULL,
    total text NOT NULL,
    currency text NOT NULL,
    created_at text,
    pushed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE woocommerce_deliveries (
    digest text PRIMARY KEY,
    received_at timestamptz NOT NULL
);
