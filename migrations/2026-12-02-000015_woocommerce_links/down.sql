DROP TABLE woocommerce_deliveries;
DROP TABLE woocommerce_orders;
DROP TABLE woocommerce_products;
