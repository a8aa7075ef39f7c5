-- Product reviews (spec §18). One per user and product.
CREATE TABLE reviews (
    id                uuid PRIMARY KEY,
    product_id        uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_name       text NOT NULL,
    rating            smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title             text,
    body              text NOT NULL,
    verified_purchase boolean NOT NULL,
    status            text NOT NULL,
    -- Every write adds one: a write applies only over the version it was computed from.
    version           bigint NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    UNIQUE (product_id, user_id)
);
-- A product's published reviews in every sort the list offers; the admin's lists by status.
CREATE INDEX reviews_product_status_created ON reviews (product_id, status, created_at DESC, id DESC);
CREATE INDEX reviews_product_status_rating ON reviews (product_id, status, rating, created_at DESC);
CREATE INDEX reviews_status_created ON reviews (status, created_at DESC, id DESC);

-- Published reviews per star, kept by each review write in its own transaction as a relative
-- update. The mean (0 without reviews) is derived, stored, and indexed for `min_rating` and
-- `sort_by=rating` (merx_catalog::RatingSummary::exact_average).
ALTER TABLE products ADD COLUMN rating_counts integer[] NOT NULL DEFAULT '{0,0,0,0,0}';
ALTER TABLE products ADD COLUMN rating_average double precision NOT NULL GENERATED ALWAYS AS (
    CASE WHEN rating_counts[1] + rating_counts[2] + rating_counts[3] + rating_counts[4] + rating_counts[5] = 0
         THEN 0
         ELSE (rating_counts[1] + 2 * rating_counts[2] + 3 * rating_counts[3]
               + 4 * rating_counts[4] + 5 * rating_counts[5])::double precision
              / (rating_counts[1] + rating_counts[2] + rating_counts[3] + rating_counts[4] + rating_counts[5])
    END) STORED;
CREATE INDEX products_status_rating_idx ON products (status, rating_average, id);
