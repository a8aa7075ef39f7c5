//! Rate-limit windows in this process: the limiter without Redis, and Redis's fallback.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use merx_kernel::{Limit, RateDecision, RateLimiter, StoreError, Timestamp};

use crate::lock;

/// Fixed windows per key, in memory. Windows of the past are dropped as new ones start.
#[derive(Debug, Default)]
pub struct MemoryRateLimiter {
    windows: Mutex<HashMap<String, (i64, u64)>>,
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(
        &self,
        key: &str,
        limit: Limit,
        now: Timestamp,
    ) -> Result<RateDecision, StoreError> {
        let window = RateDecision::window_of(limit, now);
        let mut windows = lock(&self.windows);
        if windows.len() > 100_000 {
            windows.retain(|_, (w, _)| *w >= window);
        }
        let entry = windows.entry(key.to_owned()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        entry.1 += 1;
        Ok(RateDecision::of_window(entry.1, limit, now))
    }

    async fn peek(
        &self,
        key: &str,
        limit: Limit,
        now: Timestamp,
    ) -> Result<RateDecision, StoreError> {
        let window = RateDecision::window_of(limit, now);
        let counted = lock(&self.windows)
            .get(key)
            .filter(|(w, _)| *w == window)
            .map_or(0, |(_, n)| *n);
        Ok(RateDecision::of_window(counted + 1, limit, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_window_counts_to_its_limit_and_starts_again() {
        let limiter = MemoryRateLimiter::default();
        let limit = Limit {
            requests: 2,
            window_secs: 10,
        };
        let t = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        assert!(limiter.hit("k", limit, t).await.unwrap().allowed);
        assert!(
            limiter.peek("k", limit, t).await.unwrap().allowed,
            "one left"
        );
        assert!(limiter.hit("k", limit, t).await.unwrap().allowed);
        assert!(!limiter.peek("k", limit, t).await.unwrap().allowed);
        assert!(!limiter.hit("k", limit, t).await.unwrap().allowed);
        assert!(limiter.peek("fresh", limit, t).await.unwrap().allowed);
        assert!(limiter.hit("other", limit, t).await.unwrap().allowed);
        let later = t + chrono::Duration::seconds(10);
        assert!(
            limiter.hit("k", limit, later).await.unwrap().allowed,
            "a new window"
        );
    }
}
