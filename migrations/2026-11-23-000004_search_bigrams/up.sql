-- Two-character searches (most Korean words: 헤어, 샴푸) have no trigram, so pg_trgm cannot
-- index them and every such search scanned the whole table. A GIN index over each product's
-- character bigrams narrows them to the products that contain the pair.
CREATE FUNCTION merx_bigrams(t TEXT) RETURNS TEXT[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT COALESCE(array_agg(DISTINCT substr(t, i, 2)), '{}')
        FROM generate_series(1, char_length(t) - 1) AS i
    $$;

ALTER TABLE products
    ADD COLUMN search_bigrams TEXT[] GENERATED ALWAYS AS (merx_bigrams(search_text)) STORED;
CREATE INDEX products_search_bigrams_idx ON products USING gin (search_bigrams);
