use merx_kernel::{Timestamp, typed_id};

use crate::{SecretHash, UserId};

typed_id!(
    /// Identifies one refresh token.
    RefreshTokenId
);
typed_id!(
    /// All refresh tokens descending from one login by rotation share a family; reuse of any
    /// rotated member revokes the whole family.
    TokenFamilyId
);

/// A stored refresh token. The token itself is only ever handed to the client; we keep its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub id: RefreshTokenId,
    pub family_id: TokenFamilyId,
    pub user_id: UserId,
    pub token_hash: SecretHash,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Set when the token was exchanged for a new one.
    pub used_at: Option<Timestamp>,
    /// Set when its family was revoked (logout, reuse, password reset).
    pub revoked_at: Option<Timestamp>,
}
