DROP TABLE cart_items;
DROP TABLE carts;
DROP TABLE discount_redemptions;
DROP TABLE discounts;
DROP TABLE shipping_zones;
DROP TABLE pricing_defaults_installs;
DROP TABLE tax_rates;
