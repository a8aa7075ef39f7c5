//! The ports identity needs. Every one is object-safe (`Arc<dyn Port>`), has an in-memory and a
//! Postgres adapter that pass the same contract suite (`merx-contract`), and a mockall mock
//! behind the `mocks` feature.

use async_trait::async_trait;
use merx_kernel::{StoreError, Timestamp};

use crate::{
    AccessClaims, AddressId, ApiKey, ApiKeyId, Email, IdentityError, OneTimeToken, PasswordHash,
    RefreshToken, RefreshTokenId, SavedAddress, SecretHash, TokenError, TokenFamilyId,
    TokenPurpose, User, UserId, UserPatch,
};

/// Accounts, looked up by id or by normalised email.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user.
    ///
    /// # Errors
    /// [`IdentityError::EmailTaken`] when another user has the email (also under a race:
    /// the store enforces uniqueness); [`IdentityError::Store`] on storage failure.
    async fn insert(
        &self,
        user: &User,
        audit: Option<merx_kernel::AuditEntry>,
    ) -> Result<(), IdentityError>;

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError>;

    /// Writes only the fields the patch names (and `updated_at`); returns the user as stored
    /// afterwards, `None` when there is no such user. Writing only what changed keeps a
    /// concurrent password reset or promotion from being undone by a profile edit.
    async fn update_profile(
        &self,
        id: UserId,
        patch: &UserPatch,
        at: Timestamp,
        audit: Option<merx_kernel::AuditEntry>,
    ) -> Result<Option<User>, StoreError>;

    /// Replaces the password hash; false when there is no such user.
    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Marks the email verified; false when there is no such user.
    async fn mark_verified(&self, id: UserId, at: Timestamp) -> Result<bool, StoreError>;

    /// Makes the user an active admin; false when there is no such user.
    async fn grant_admin(&self, id: UserId, at: Timestamp) -> Result<bool, StoreError>;

    /// Users of role `customer`, newest first; with `search` (lower case), those whose email
    /// or full name contains it, case-insensitively.
    async fn list_customers(
        &self,
        search: Option<String>,
        page: merx_kernel::PageRequest,
    ) -> Result<merx_kernel::Page<User>, StoreError>;
}

/// Refresh tokens, stored by hash, grouped in rotation families.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RefreshTokenRepository: Send + Sync {
    async fn insert(&self, token: &RefreshToken) -> Result<(), StoreError>;

    async fn find_by_hash(&self, hash: &SecretHash) -> Result<Option<RefreshToken>, StoreError>;

    /// Spends `spent` and stores `next` (its successor in the same family) as one atomic step,
    /// only if `spent` is neither used nor revoked; otherwise stores nothing and returns false.
    /// Of two concurrent rotations of one token exactly one succeeds, and a rotation never
    /// outlives a concurrent [`Self::revoke_family`]: whichever runs second sees the other.
    async fn rotate(
        &self,
        spent: RefreshTokenId,
        next: &RefreshToken,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Revokes every not yet revoked token of the family, including one a concurrent rotation
    /// is adding.
    async fn revoke_family(&self, family: TokenFamilyId, at: Timestamp) -> Result<(), StoreError>;

    /// Revokes every not yet revoked token of the user (after a password reset), with the same
    /// guarantee against concurrent rotations.
    async fn revoke_all_for_user(&self, user: UserId, at: Timestamp) -> Result<(), StoreError>;
}

/// Single-use tokens for password reset and email verification, stored by hash.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OneTimeTokenRepository: Send + Sync {
    async fn insert(&self, token: &OneTimeToken) -> Result<(), StoreError>;

    /// Marks the unused token with this purpose and hash as used and returns it as it was
    /// before; atomically, so a token can be consumed once only. `None` when there is no
    /// such unused token. Expiry is the caller's to check.
    async fn consume(
        &self,
        purpose: TokenPurpose,
        hash: &SecretHash,
        at: Timestamp,
    ) -> Result<Option<OneTimeToken>, StoreError>;
}

/// Admin API keys, stored by hash.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores a key, with the write's audit entry when given (so for `revoke`).
    async fn insert(
        &self,
        key: &ApiKey,
        audit: Option<merx_kernel::AuditEntry>,
    ) -> Result<(), StoreError>;

    async fn find_by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError>;

    /// Every key, revoked ones included, newest first.
    async fn list(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// Revokes the key; false when there is no such unrevoked key.
    async fn revoke(
        &self,
        id: ApiKeyId,
        at: Timestamp,
        audit: Option<merx_kernel::AuditEntry>,
    ) -> Result<bool, StoreError>;
}

/// Users' address books.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AddressRepository: Send + Sync {
    /// The user's addresses, oldest first.
    async fn list_for_user(&self, user: UserId) -> Result<Vec<SavedAddress>, StoreError>;

    async fn find(&self, user: UserId, id: AddressId) -> Result<Option<SavedAddress>, StoreError>;

    /// Stores a new address. When it is a default, every other address of the same user and
    /// kind stops being one in the same atomic step: there is never more than one default per
    /// user and kind.
    async fn insert(&self, address: &SavedAddress) -> Result<(), StoreError>;

    /// Replaces the user's existing address (matched by id and user), with the same default
    /// rule as [`Self::insert`]. False when the user has no such address (it is never
    /// re-created, e.g. after a concurrent delete).
    async fn update(&self, address: &SavedAddress) -> Result<bool, StoreError>;

    /// Makes the address its kind's default, touching no other field; false when the user has
    /// no such address.
    async fn make_default(
        &self,
        user: UserId,
        id: AddressId,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Deletes the address; false when the user has no such address.
    async fn delete(&self, user: UserId, id: AddressId) -> Result<bool, StoreError>;
}

/// Slow, salted password hashing (bcrypt in production).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// # Errors
    /// [`IdentityError::Hashing`] when the hasher fails.
    async fn hash(&self, password: &str) -> Result<PasswordHash, IdentityError>;

    /// Whether `password` matches `hash`. A malformed hash is a mismatch, not an error.
    async fn verify(&self, password: &str, hash: &PasswordHash) -> Result<bool, IdentityError>;
}

/// Signs and reads access tokens. Reading checks the signature only; expiry is checked by the
/// service against its clock, so tests can move time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait AccessTokenCodec: Send + Sync {
    /// # Errors
    /// [`TokenError::Signing`] when the token cannot be signed.
    fn encode(&self, claims: &AccessClaims) -> Result<String, TokenError>;

    /// # Errors
    /// [`TokenError::Invalid`] for a bad signature or a malformed token.
    fn decode(&self, token: &str) -> Result<AccessClaims, TokenError>;
}

/// An email to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: Email,
    pub subject: String,
    /// The plain-text part.
    pub body: String,
    /// The HTML part, when the mail has one.
    pub html: Option<String>,
    /// Names this mail for good (an outbox message's key), so a resent copy carries the same
    /// `Message-ID` and mail clients show it once.
    pub key: Option<String>,
    /// The machine-readable secret this email delivers (reset or verification token), so that
    /// a log or test mailer can surface it without parsing the body.
    pub token: Option<String>,
}

/// Delivers transactional email (a log adapter by default, SMTP when configured).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), StoreError>;
}
