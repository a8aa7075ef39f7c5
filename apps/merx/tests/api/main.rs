//! HTTP integration tests: the real app on a random port, against the in-memory store and
//! against Postgres (a fresh database per test). One test binary for the whole app.

mod helpers;

mod addresses;
mod admin;
mod admin_powers;
mod audit_log;
mod auth;
mod cart_limits;
mod carts;
mod catalog;
mod checkout;
mod cli;
mod conventions;
mod customers_admin;
mod emails;
mod embedding;
mod embedding_checkout;
mod faults;
mod flash_sale;
mod history;
mod idempotency_scope;
mod limit_evasion;
mod ops;
mod persistence;
mod pricing;
mod privacy;
mod rate_limits;
mod reports;
mod reservations;
mod reviews;
mod statements;
mod stripe;
mod tax_exemption;
mod toss;
mod woocommerce;
