//! Crypto adapters for identity ports: bcrypt password hashing and HS256 JWT access tokens.

mod bcrypt_hasher;
mod jwt;

pub use bcrypt_hasher::BcryptHasher;
pub use jwt::{JwtCodec, MIN_SECRET_BYTES};
