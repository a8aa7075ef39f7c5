DROP INDEX products_search_bigrams_idx;
ALTER TABLE products
    ADD COLUMN search_bigrams TEXT[] GENERATED ALWAYS AS (merx_bigrams(search_text)) STORED;
CREATE INDEX products_search_bigrams_idx ON products USING gin (search_bigrams);
