DROP INDEX products_search_bigrams_idx;
ALTER TABLE products DROP COLUMN search_bigrams;
DROP FUNCTION merx_bigrams(TEXT);
