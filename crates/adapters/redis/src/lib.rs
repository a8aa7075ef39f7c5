//! Redis for Merx: a deadpool connection pool and a health check. Redis only ever holds what
//! may be lost (rate-limit windows, caches); Postgres stays the source of truth.

mod rate_limit;

pub use deadpool_redis::Pool as RedisPool;
use deadpool_redis::redis;
pub use rate_limit::RedisRateLimiter;

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("invalid Redis configuration: {0}")]
    Config(String),
    #[error("Redis unavailable: {0}")]
    Unavailable(String),
}

/// Builds a pool for `url` (`redis://127.0.0.1:6379/0`). Connections open lazily.
///
/// # Errors
/// When the URL cannot be used.
pub fn connect(url: &str, max_size: usize) -> Result<RedisPool, RedisError> {
    let mut cfg = deadpool_redis::Config::from_url(url);
    let mut pool = deadpool_redis::PoolConfig::new(max_size);
    // A Redis that does not answer must not hold requests up: rate limits then fall back.
    let quick = Some(std::time::Duration::from_millis(500));
    pool.timeouts = deadpool_redis::Timeouts {
        wait: quick,
        create: quick,
        recycle: quick,
    };
    cfg.pool = Some(pool);
    cfg.create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .map_err(|e| RedisError::Config(e.to_string()))
}

/// Round-trips a `PING`.
///
/// # Errors
/// When no connection can be had or Redis does not answer `PONG`.
pub async fn ping(pool: &RedisPool) -> Result<(), RedisError> {
    let mut conn = pool
        .get()
        .await
        .map_err(|e| RedisError::Unavailable(e.to_string()))?;
    let pong: String = redis::cmd("PING")
        .query_async(&mut conn)
        .await
        .map_err(|e| RedisError::Unavailable(e.to_string()))?;
    if pong == "PONG" {
        Ok(())
    } else {
        Err(RedisError::Unavailable(format!("unexpected reply {pong}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_running_redis_answers_ping() {
        let url = std::env::var("MERX_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
        let pool = connect(&url, 2).expect("pool");
        ping(&pool).await.unwrap_or_else(|e| {
            panic!("Redis is not reachable at {url} ({e}); start it with `redis-server --daemonize yes`")
        });
    }

    #[tokio::test]
    async fn an_unreachable_redis_is_reported_not_hidden() {
        // Port 1 on loopback: nothing listens there.
        let pool = connect("redis://127.0.0.1:1/0", 1).expect("pool");
        assert!(matches!(ping(&pool).await, Err(RedisError::Unavailable(_))));
    }
}
