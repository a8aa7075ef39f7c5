DROP INDEX refunds_created;
DROP INDEX orders_sold_at;
DROP INDEX checkout_sessions_created;
ALTER TABLE checkout_sessions DROP COLUMN created_at;
DROP TRIGGER cart_items_milestone ON cart_items;
DROP FUNCTION merx_cart_item_added();
DROP TRIGGER carts_milestone ON carts;
DROP FUNCTION merx_cart_created();
DROP TABLE cart_milestones;
