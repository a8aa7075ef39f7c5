//! Rate-limit windows in Redis, one budget for every instance: an atomic Lua script counts a
//! fixed window and sets its expiry on the first hit. When Redis cannot be reached the limits
//! fall back to this process's windows, and requests keep being served.

use std::sync::Arc;

use async_trait::async_trait;
use deadpool_redis::redis;
use merx_kernel::{Limit, RateDecision, RateLimiter, StoreError, Timestamp};

use crate::RedisPool;

/// `INCR` then, on the window's first hit, `EXPIRE`: atomic in Redis.
const COUNT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
";

/// Redis windows with an in-process fallback.
pub struct RedisRateLimiter {
    pool: RedisPool,
    script: redis::Script,
    /// Keys live under this prefix (one per deployment or test).
    prefix: String,
    fallback: Arc<dyn RateLimiter>,
}

impl std::fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimiter {
    #[must_use]
    pub fn new(pool: RedisPool, prefix: &str, fallback: Arc<dyn RateLimiter>) -> Self {
        Self {
            pool,
            script: redis::Script::new(COUNT),
            prefix: prefix.to_owned(),
            fallback,
        }
    }

    fn window_key(&self, key: &str, limit: Limit, now: Timestamp) -> String {
        let window = RateDecision::window_of(limit, now);
        format!("{}:rl:{key}:{window}", self.prefix)
    }

    async fn count(&self, key: &str, limit: Limit, now: Timestamp) -> Result<u64, String> {
        let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
        self.script
            .key(self.window_key(key, limit, now))
            .arg(limit.window_secs)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| e.to_string())
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(
        &self,
        key: &str,
        limit: Limit,
        now: Timestamp,
    ) -> Result<RateDecision, StoreError> {
        match self.count(key, limit, now).await {
            Ok(n) => Ok(RateDecision::of_window(n, limit, now)),
            Err(e) => {
                tracing::warn!(error = %e, "rate limits fall back to this instance: Redis unavailable");
                self.fallback.hit(key, limit, now).await
            }
        }
    }

    async fn peek(
        &self,
        key: &str,
        limit: Limit,
        now: Timestamp,
    ) -> Result<RateDecision, StoreError> {
        let counted = async {
            let mut conn = self.pool.get().await.map_err(|e| e.to_string())?;
            redis::cmd("GET")
                .arg(self.window_key(key, limit, now))
                .query_async::<Option<u64>>(&mut conn)
                .await
                .map_err(|e| e.to_string())
        };
        match counted.await {
            Ok(n) => Ok(RateDecision::of_window(n.unwrap_or(0) + 1, limit, now)),
            Err(_) => self.fallback.peek(key, limit, now).await,
        }
    }
}
