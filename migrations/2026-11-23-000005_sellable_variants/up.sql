-- How many of a product's variants can be sold (tracked with stock on hand, or untracked),
-- kept by the adapter in the same transaction as every stock or variant change. The
-- `in_stock` filter reads it instead of probing variants and stock levels per product.
ALTER TABLE products ADD COLUMN sellable_variants INTEGER NOT NULL DEFAULT 0;
UPDATE products p SET sellable_variants = (
    SELECT count(*) FROM variants v JOIN stock_levels s ON s.variant_id = v.id
    WHERE v.product_id = p.id AND (s.on_hand > 0 OR NOT s.track_inventory)
);
CREATE INDEX products_category_sellable_idx ON products (category, status, min_price)
    WHERE sellable_variants > 0;
