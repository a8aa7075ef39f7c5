-- What the funnel report counts of each cart (spec §18), kept after the cart itself expires or
-- merges away. Rows are written by triggers in the transaction of the cart's own write, from
-- the write's own times (the app's clock): a cart's creation, its first line; an order spending
-- the cart sets `ordered_at` in the statement that empties it (order_writes.rs).
CREATE TABLE cart_milestones (
    cart_id       uuid PRIMARY KEY,
    created_at    timestamptz NOT NULL,
    first_item_at timestamptz,
    ordered_at    timestamptz
);
CREATE INDEX cart_milestones_created ON cart_milestones (created_at);
INSERT INTO cart_milestones (cart_id, created_at, first_item_at)
SELECT c.id, c.created_at, (SELECT min(i.added_at) FROM cart_items i WHERE i.cart_id = c.id)
FROM carts c;

CREATE FUNCTION merx_cart_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO cart_milestones (cart_id, created_at) VALUES (NEW.id, NEW.created_at)
    ON CONFLICT (cart_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER carts_milestone AFTER INSERT ON carts
    FOR EACH ROW EXECUTE FUNCTION merx_cart_created();

CREATE FUNCTION merx_cart_item_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cart_milestones SET first_item_at = NEW.added_at
    WHERE cart_id = NEW.cart_id AND first_item_at IS NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER cart_items_milestone AFTER INSERT ON cart_items
    FOR EACH ROW EXECUTE FUNCTION merx_cart_item_added();

-- When a session was opened, as a column the funnel can range over.
ALTER TABLE checkout_sessions ADD COLUMN created_at timestamptz;
UPDATE checkout_sessions SET created_at = (body ->> 'created_at')::timestamptz;
UPDATE checkout_sessions SET created_at = updated_at WHERE created_at IS NULL;
ALTER TABLE checkout_sessions ALTER COLUMN created_at SET NOT NULL;
CREATE INDEX checkout_sessions_created ON checkout_sessions (created_at);

-- When an order counts as sold (merx_reports::sold_at), indexed for the sales reports; queries
-- name this exact expression.
CREATE INDEX orders_sold_at ON orders ((COALESCE(paid_at,
    CASE WHEN payment_method = 'cash_on_delivery' AND status <> 'cancelled' THEN confirmed_at END)));
CREATE INDEX refunds_created ON refunds (created_at);
