DROP INDEX products_category_sellable_idx;
ALTER TABLE products DROP COLUMN sellable_variants;
