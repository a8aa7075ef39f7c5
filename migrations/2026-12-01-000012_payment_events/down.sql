DROP INDEX orders_payment_provider_ref;
DROP TABLE payment_events;
