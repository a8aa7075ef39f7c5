use merx_kernel::Timestamp;

use crate::{SecretHash, UserId};

/// What a single-use emailed token proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    PasswordReset,
    EmailVerification,
}

impl TokenPurpose {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "password_reset" => Some(Self::PasswordReset),
            "email_verification" => Some(Self::EmailVerification),
            _ => None,
        }
    }
}

/// A password-reset or email-verification token, stored hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeToken {
    pub user_id: UserId,
    pub purpose: TokenPurpose,
    pub token_hash: SecretHash,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}
