//! `Idempotency-Key` (spec §1): a create or pay request sent again with the same key gets the
//! first answer instead of doing the work twice. Records live 24 hours.

use async_trait::async_trait;

use crate::{StoreError, Timestamp};

/// How long a key is remembered.
pub const IDEMPOTENCY_KEY_HOURS: i64 = 24;
/// How long a claim without an answer blocks its key: a request dropped half-way (client gone,
/// process restarted) frees its key after this instead of after a day.
pub const IDEMPOTENCY_LEASE_SECONDS: i64 = 60;

/// The first answer given to a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is new (or its record expired): do the work, then complete or abandon it.
    Claimed,
    /// The same request was answered before: send this again.
    Replay(StoredResponse),
    /// The same request is being worked on now (`idempotency_conflict`).
    InProgress,
    /// The key was used with another request (`idempotency_key_reused`).
    Reused,
}

/// Idempotency records, shared by every instance.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` within `scope` (who sent it, to which route) for a request whose
    /// fingerprint is `fingerprint`, until `expires_at` (a short lease), atomically: of
    /// concurrent claims of one key exactly one is `Claimed`. A record whose `expires_at` has
    /// passed (an answered key after its 24 h, a lease nobody completed) counts as absent.
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<IdempotencyClaim, StoreError>;

    /// Records the answer of a claimed key, kept until `expires_at`.
    async fn complete(
        &self,
        scope: &str,
        key: &str,
        response: &StoredResponse,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Forgets a claimed key whose work failed, so a retry may run it again.
    async fn abandon(&self, scope: &str, key: &str) -> Result<(), StoreError>;

    /// Deletes records that expired at or before `now`; how many.
    async fn delete_expired(&self, now: Timestamp) -> Result<u64, StoreError>;
}
