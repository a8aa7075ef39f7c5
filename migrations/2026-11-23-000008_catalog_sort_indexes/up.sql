-- A category page sorted by newest or by name reads these in order and stops after one page,
-- instead of sorting every product of the category (price order has products_category_idx).
CREATE INDEX products_category_created_idx ON products (category, status, created_at, id);
CREATE INDEX products_category_name_idx ON products (category, status, lower(name), id);
