DROP TABLE idempotency_keys;
DROP TABLE checkout_sessions;
DROP TABLE orders;
DROP SEQUENCE order_numbers;
