//! Limiter benchmark (issue 17): how many rate-limit checks per second the Redis limiter
//! answers with `concurrency` callers, and what one check costs a request (p50, p99), on
//! the Lua script every instance shares. `scripts/bench-limits.sh` runs it beside
//! redis-benchmark in the same run. Not a test.
//!
//! Usage: `cargo run --release -p merx-redis --example limiter_bench -- [checks] [concurrency]`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use merx_kernel::{Clock, Limit, RateDecision, RateLimiter, StoreError, SystemClock, Timestamp};
use merx_redis::RedisRateLimiter;

/// Counts checks that fell back (Redis unreachable): a run with any is not a Redis figure.
#[derive(Default)]
struct CountingFallback(AtomicU64);

#[async_trait]
impl RateLimiter for CountingFallback {
    async fn hit(
        &self,
        _key: &str,
        limit: Limit,
        now: Timestamp,
    ) -> Result<RateDecision, StoreError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(RateDecision::of_window(1, limit, now))
    }

    async fn peek(
        &self,
        _key: &str,
        limit: Limit,
        now: Timestamp,
    ) -> Result<RateDecision, StoreError> {
        Ok(RateDecision::of_window(1, limit, now))
    }
}

fn arg(n: usize, default: u64) -> u64 {
    std::env::args()
        .nth(n)
        .and_then(|a| a.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let checks = arg(1, 100_000);
    let concurrency = arg(2, 50).max(1);
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into());
    let pool = merx_redis::connect(&url, usize::try_from(concurrency).unwrap_or(50))
        .expect("a Redis pool");
    merx_redis::ping(&pool).await.expect("Redis answers");
    let fallback = Arc::new(CountingFallback::default());
    let prefix = format!("merx-bench-{}", std::process::id());
    let limiter = Arc::new(RedisRateLimiter::new(pool, &prefix, fallback.clone()));
    let limit = Limit {
        requests: u32::MAX,
        window_secs: 60,
    };
    let clock = SystemClock;
    for i in 0..1_000 {
        let _ = limiter.hit(&format!("warm:{i}"), limit, clock.now()).await;
    }
    let per_task = checks / concurrency;
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|t| {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                let mut took = Vec::with_capacity(usize::try_from(per_task).unwrap_or(0));
                for i in 0..per_task {
                    // 1,000 distinct callers, as users and addresses spread over windows.
                    let key = format!("user:{}", (t * per_task + i) % 1_000);
                    let at = Instant::now();
                    limiter
                        .hit(&key, limit, SystemClock.now())
                        .await
                        .expect("a decision");
                    took.push(at.elapsed());
                }
                took
            })
        })
        .collect();
    let mut took: Vec<Duration> = Vec::new();
    for t in tasks {
        took.extend(t.await.expect("task"));
    }
    let elapsed = started.elapsed();
    took.sort_unstable();
    // Integer arithmetic only (the workspace lints forbid floats): per mille, per second.
    let at = |per_mille: usize| {
        let i = took.len().saturating_sub(1) * per_mille / 1_000;
        took.get(i).map_or(0, Duration::as_micros)
    };
    let per_second = (took.len() as u128 * 1_000_000) / elapsed.as_micros().max(1);
    println!(
        "limiter: {} checks at {concurrency} in flight: {per_second} checks/s, p50 {} µs, p99 {} µs, fallbacks {}",
        took.len(),
        at(500),
        at(990),
        fallback.0.load(Ordering::Relaxed),
    );
}
