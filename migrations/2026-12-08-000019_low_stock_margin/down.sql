DROP INDEX stock_levels_low_margin;
