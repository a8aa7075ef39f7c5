//! The transactional outbox's rules (spec §8, §13; issue 15): a message written with the
//! change that causes it is delivered later by a worker, retried with exponential backoff and
//! jitter for at least three days, then marked dead for an admin to retry by hand.
//!
//! This file holds what does not depend on a store: the states, and when a failed message is
//! tried next. The ports and the workers that claim due messages build on it.
//!
//! ```
//! use chrono::{Duration, Utc};
//! use merx_kernel::outbox::{Retry, RetryPolicy};
//!
//! let policy = RetryPolicy::default();
//! let now = Utc::now();
//! // The first failure waits about 30 s (give or take a fifth), the tenth about 4 h.
//! let Retry::At(next) = policy.after_failure(1, now, 500) else { panic!("retried") };
//! assert_eq!(next - now, Duration::seconds(30));
//! let Retry::At(soonest) = policy.after_failure(1, now, 0) else { panic!("retried") };
//! assert_eq!(soonest - now, Duration::seconds(24));
//! // Past the budget: dead.
//! assert_eq!(policy.after_failure(policy.max_attempts, now, 500), Retry::Dead);
//! ```

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for its next attempt (`next_attempt_at`).
    Pending,
    Delivered,
    /// Out of attempts; only an admin's retry sends it again.
    Dead,
}

impl OutboxStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "dead" => Some(Self::Dead),
            _ => None,
        }
    }
}

/// How an admin sees a message (spec §13 `GET /admin/outbox?status=`): a pending message
/// that has failed at least once is `failed` (it will be tried again), so the four are apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxView {
    Pending,
    Failed,
    Dead,
    Delivered,
}

impl OutboxView {
    #[must_use]
    pub const fn of(message: &OutboxMessage) -> Self {
        match message.status {
            OutboxStatus::Pending if message.attempts > 0 => Self::Failed,
            OutboxStatus::Pending => Self::Pending,
            OutboxStatus::Dead => Self::Dead,
            OutboxStatus::Delivered => Self::Delivered,
        }
    }

    /// The stored status of the messages this view shows, and whether they have failed.
    #[must_use]
    pub const fn stored(self) -> (OutboxStatus, Option<bool>) {
        match self {
            Self::Pending => (OutboxStatus::Pending, Some(false)),
            Self::Failed => (OutboxStatus::Pending, Some(true)),
            Self::Dead => (OutboxStatus::Dead, None),
            Self::Delivered => (OutboxStatus::Delivered, None),
        }
    }

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Failed => "failed",
            Self::Dead => "dead",
            Self::Delivered => "delivered",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Failed, Self::Dead, Self::Delivered]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// What to do with a message after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    At(Timestamp),
    Dead,
}

/// Exponential backoff with jitter: the `n`th failure waits `base × 2^(n-1)`, capped at
/// `cap`, each wait moved by up to `jitter_percent` either way so that many messages failing
/// together do not all come back at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub cap: Duration,
    pub jitter_percent: u32,
    /// Attempts in all, the first included; the schedule of these spans at least three days.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        // 30 s, 1 min, 2 min, … capped at 6 h: 25 attempts wait at least 3 days in all, even
        // with every jitter at its lowest.
        Self {
            base: Duration::seconds(30),
            cap: Duration::hours(6),
            jitter_percent: 20,
            max_attempts: 25,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`th failure, before jitter.
    #[must_use]
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        let factor = 1_i32 << doublings;
        self.base
            .checked_mul(factor)
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// After the `failures`th failed attempt at `now`: when to try again, or dead once
    /// `max_attempts` are spent. `jitter_per_mille` (0 to 1000, a random draw) picks the
    /// shift: 0 the soonest, 500 none, 1000 the latest.
    #[must_use]
    pub fn after_failure(&self, failures: u32, now: Timestamp, jitter_per_mille: u16) -> Retry {
        if failures >= self.max_attempts {
            return Retry::Dead;
        }
        let delay = self.delay(failures);
        let spread = delay.num_milliseconds() * i64::from(self.jitter_percent) / 100;
        // -spread..=+spread in whole milliseconds, from the draw.
        let shift = spread * (i64::from(jitter_per_mille.min(1_000)) * 2 - 1_000) / 1_000;
        Retry::At(now + delay + Duration::milliseconds(shift))
    }

    /// The least time the schedule spends waiting before a message is dead (every jitter at
    /// its lowest).
    #[must_use]
    pub fn shortest_budget(&self) -> Duration {
        (1..self.max_attempts).fold(Duration::zero(), |total, n| {
            let d = self.delay(n);
            let spread = d.num_milliseconds() * i64::from(self.jitter_percent) / 100;
            total + d - Duration::milliseconds(spread)
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn waits_double_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1), Duration::seconds(30));
        assert_eq!(p.delay(2), Duration::minutes(1));
        assert_eq!(p.delay(3), Duration::minutes(2));
        assert_eq!(p.delay(12), Duration::hours(6), "capped");
        assert_eq!(p.delay(u32::MAX), Duration::hours(6), "no overflow");
    }

    #[test]
    fn the_default_schedule_retries_for_at_least_three_days() {
        let p = RetryPolicy::default();
        assert!(
            p.shortest_budget() >= Duration::days(3),
            "{:?}",
            p.shortest_budget()
        );
    }

    proptest! {
        #[test]
        fn jitter_stays_within_its_share_and_dead_is_final(failures in 1_u32..40, draw in 0_u16..=1_000) {
            let p = RetryPolicy::default();
            let now = chrono::DateTime::UNIX_EPOCH;
            match p.after_failure(failures, now, draw) {
                Retry::Dead => prop_assert!(failures >= p.max_attempts),
                Retry::At(next) => {
                    prop_assert!(failures < p.max_attempts);
                    let delay = p.delay(failures);
                    let spread = delay.num_milliseconds() * 20 / 100;
                    let waited = (next - now).num_milliseconds();
                    prop_assert!((delay.num_milliseconds() - spread..=delay.num_milliseconds() + spread).contains(&waited));
                    prop_assert!(waited > 0);
                }
            }
        }
    }

    #[test]
    fn statuses_read_back() {
        for s in [
            OutboxStatus::Pending,
            OutboxStatus::Delivered,
            OutboxStatus::Dead,
        ] {
            assert_eq!(OutboxStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(OutboxStatus::parse("lost"), None);
    }
}

/// One message to deliver: `topic` names the receiver and what it is (`woocommerce.order`,
/// `email.order_paid`), `key` our object it is about (the receiver's idempotency key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: uuid::Uuid,
    pub topic: String,
    pub key: String,
    pub payload: serde_json::Value,
    pub status: OutboxStatus,
    /// Attempts made so far.
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
}

impl OutboxMessage {
    /// A message due at once.
    #[must_use]
    pub fn new(topic: &str, key: &str, payload: serde_json::Value, now: Timestamp) -> Self {
        Self {
            id: uuid::Uuid::now_v7(),
            topic: topic.to_owned(),
            key: key.to_owned(),
            payload,
            status: OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            delivered_at: None,
        }
    }
}

/// The outbox as stored. Claiming is what makes instances share one backlog: a claimed
/// message is leased (its next attempt moved to the lease's end) in the same step, so no
/// other worker takes it while it is being delivered; a worker that dies mid-delivery lets
/// the lease run out and the message is tried again (receivers are idempotent by `key`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait::async_trait]
pub trait Outbox: Send + Sync {
    /// Stores a message on its own (one that is its own cause: an admin's "push this order").
    async fn enqueue(&self, message: &OutboxMessage) -> Result<(), crate::StoreError>;

    /// Up to `limit` pending messages due at `now` (the longest due taken first), each leased
    /// until `now + lease`, answered in the order they were written; concurrent callers never
    /// get the same message within a lease.
    async fn claim_due(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<OutboxMessage>, crate::StoreError>;

    /// The attempt succeeded.
    async fn delivered(&self, id: uuid::Uuid, at: Timestamp) -> Result<(), crate::StoreError>;

    /// The attempt failed with `error`; [`RetryPolicy::after_failure`] said what comes next.
    async fn failed(
        &self,
        id: uuid::Uuid,
        error: &str,
        retry: Retry,
    ) -> Result<(), crate::StoreError>;

    /// An admin's retry: a dead or pending message becomes due at `now` with a new budget
    /// (attempts from 0; the last error stays until the next attempt); false for a
    /// delivered or unknown one.
    async fn retry_now(&self, id: uuid::Uuid, now: Timestamp) -> Result<bool, crate::StoreError>;

    /// Newest first, optionally only those an admin sees as `view` ([`OutboxView::of`]).
    async fn list(
        &self,
        view: Option<OutboxView>,
        page: crate::PageRequest,
    ) -> Result<crate::Page<OutboxMessage>, crate::StoreError>;
}
