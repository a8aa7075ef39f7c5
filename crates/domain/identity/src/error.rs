use merx_kernel::{StoreError, ValidationErrors};

/// Why an identity use case failed. The HTTP layer maps each variant to one status and code.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Wrong email or wrong password: deliberately the same error for both.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Missing, malformed, expired or revoked token.
    #[error("authentication required")]
    Unauthenticated,
    #[error("this account is disabled")]
    AccountDisabled,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An access token that cannot be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the access token is invalid")]
    Invalid,
    #[error("the access token could not be signed: {0}")]
    Signing(String),
}
