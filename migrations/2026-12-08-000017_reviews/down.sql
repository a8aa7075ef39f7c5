DROP INDEX products_status_rating_idx;
ALTER TABLE products DROP COLUMN rating_average;
ALTER TABLE products DROP COLUMN rating_counts;
DROP TABLE reviews;
