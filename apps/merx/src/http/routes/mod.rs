pub mod addresses;
pub mod api_keys;
pub mod auth;
pub mod customers;
pub mod inventory;
pub mod ops;
pub mod products;
