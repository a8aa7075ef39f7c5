pub mod addresses;
pub mod api_keys;
pub mod auth;
pub mod customers;
pub mod ops;
