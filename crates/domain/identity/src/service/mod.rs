//! Identity use cases as concrete services, each holding only the ports it needs.

mod addresses;
mod api_keys;
mod auth;
mod customers;

pub use addresses::AddressBook;
pub use api_keys::ApiKeyService;
pub use auth::{AuthPolicy, AuthPorts, AuthService, Registration, TokenPair};
pub use customers::NewCustomer;

#[cfg(test)]
mod tests;
