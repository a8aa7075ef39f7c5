//! Users, roles and authentication for Merx: registration, login with rotating refresh tokens,
//! password reset and email verification, admin API keys and address books.
//!
//! The services here are plain structs holding the ports they need; adapters (Postgres,
//! in-memory, bcrypt/JWT) live in other crates. With the `mocks` feature every port has a
//! mockall mock (`MockUserRepository`, ...) so consumers can test their code against this crate.
//!
//! ```
//! use merx_identity::Email;
//!
//! // Addresses are normalised to lower case, so one person has one account.
//! assert_eq!(Email::parse(" Ada@Example.COM ")?.as_str(), "ada@example.com");
//! assert!(Email::parse("not an address").is_err());
//! # Ok::<(), &'static str>(())
//! ```

pub mod address;
pub mod api_key;
mod audited;
pub mod error;
pub mod one_time_token;
pub mod password;
pub mod ports;
pub mod principal;
pub mod refresh_token;
mod secret;
pub mod service;
pub mod user;

pub use address::{AddressId, AddressInput, AddressKind, AddressPatch, SavedAddress};
pub use api_key::{ApiKey, ApiKeyId, NewApiKey};
pub use error::{IdentityError, TokenError};
pub use one_time_token::{OneTimeToken, TokenPurpose};
pub use password::{Password, PasswordHash};
pub use ports::*;
pub use principal::{AccessClaims, Principal};
pub use refresh_token::{RefreshToken, RefreshTokenId, TokenFamilyId};
pub use secret::{SecretHash, generate_secret, hash_secret};
pub use service::{
    AddressBook, ApiKeyService, AuthPolicy, AuthPorts, AuthService, NewCustomer, Registration,
    TokenPair,
};
pub use user::{Email, Role, User, UserId, UserPatch};
