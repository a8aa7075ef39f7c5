-- A tracked variant can only be low when its margin (on hand less threshold) is at most the
-- largest live hold: this finds those few among every variant (the low-stock report).
CREATE INDEX stock_levels_low_margin ON stock_levels ((on_hand - low_stock_threshold)) WHERE track_inventory;
