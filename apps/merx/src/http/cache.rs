//! A short-lived cache of public catalog answers, per instance. Its entries live at most the
//! configured TTL (1 s by default), which is what lets repeated storefront reads (product
//! pages, category lists) skip the database. Admins always read through. A catalog edit
//! clears it at once on the instance that made it, and on the others when the database tells
//! them (`merx_postgres::catalog_changes`), so an edit never waits for the TTL (spec §15).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

pub struct ResponseCache {
    ttl: Duration,
    max_entries: usize,
    entries: RwLock<HashMap<String, Entry>>,
    /// Keys being computed now: concurrent misses wait for that one computation.
    in_flight: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Bumped by every [`ResponseCache::clear`]: an answer computed before a clear is not
    /// stored after it.
    generation: std::sync::atomic::AtomicU64,
}

struct Entry {
    stored_at: Instant,
    body: Bytes,
    /// When one request started recomputing this entry; the others keep the cached body.
    refreshing_since: Option<Instant>,
}

/// What a request should do for a key.
pub enum Lookup {
    /// Serve this body.
    Hit(Bytes),
    /// Compute the answer (and store it): absent, past the TTL, or this request was chosen to
    /// refresh an entry in the second half of its life.
    Compute,
}

impl ResponseCache {
    /// A zero TTL disables the cache.
    #[must_use]
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries,
            entries: RwLock::new(HashMap::new()),
            in_flight: std::sync::Mutex::new(HashMap::new()),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Forgets every entry (the catalog changed). Answers being computed now are served to
    /// their requests but not stored.
    pub fn clear(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// When one request starts refreshing an entry. Halfway measured better than a quarter:
    /// earlier refreshes mean more heavy recomputations competing with reads for the CPU.
    fn soft(&self) -> Duration {
        self.ttl / 2
    }

    #[must_use]
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// An entry is served as it is for the first half of the TTL; in the second half one
    /// request at a time recomputes it while the others are still served the cached body, so
    /// an expiry never sends every concurrent request to the database at once. Nothing older
    /// than the TTL is ever served.
    #[must_use]
    pub fn lookup(&self, key: &str) -> Lookup {
        let soft = self.soft();
        {
            let entries = self
                .entries
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match entries.get(key) {
                Some(e) if e.stored_at.elapsed() < soft => return Lookup::Hit(e.body.clone()),
                Some(e) if e.stored_at.elapsed() < self.ttl => {}
                _ => return Lookup::Compute,
            }
        }
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(e) = entries
            .get_mut(key)
            .filter(|e| e.stored_at.elapsed() < self.ttl)
        else {
            return Lookup::Compute;
        };
        // A refresher that has not come back within half the TTL is presumed lost.
        if e.refreshing_since.is_some_and(|at| at.elapsed() < soft) {
            return Lookup::Hit(e.body.clone());
        }
        e.refreshing_since = Some(Instant::now());
        Lookup::Compute
    }

    /// The cached body for `key`, or the result of `compute`, run by one request at a time
    /// per key: concurrent misses queue behind it and are then served what it stored.
    /// Failures are not cached.
    ///
    /// # Errors
    /// Whatever `compute` fails with.
    pub async fn get_or_compute<E, Fut>(&self, key: &str, compute: Fut) -> Result<Bytes, E>
    where
        Fut: std::future::Future<Output = Result<Bytes, E>>,
    {
        if let Lookup::Hit(body) = self.lookup(key) {
            return Ok(body);
        }
        let gate = {
            let mut in_flight = self
                .in_flight
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(in_flight.entry(key.to_owned()).or_default())
        };
        let _turn = gate.lock().await;
        // Whoever held the gate before us may have stored a fresh answer.
        let fresh = self
            .entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .filter(|e| e.stored_at.elapsed() < self.soft())
            .map(|e| e.body.clone());
        let result = match fresh {
            Some(body) => Ok(body),
            None => {
                let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
                let computed = compute.await;
                if let Ok(body) = &computed
                    && self.generation.load(std::sync::atomic::Ordering::SeqCst) == generation
                {
                    self.put(key.to_owned(), body.clone());
                }
                computed
            }
        };
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Drop the gate once nobody else waits on it (our clone and the map's are the last).
        if in_flight
            .get(key)
            .is_some_and(|g| Arc::strong_count(g) <= 2)
        {
            in_flight.remove(key);
        }
        result
    }

    pub fn put(&self, key: String, body: Bytes) {
        if !self.enabled() {
            return;
        }
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= self.max_entries {
            let ttl = self.ttl;
            entries.retain(|_, e| e.stored_at.elapsed() < ttl);
            if entries.len() >= self.max_entries {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                stored_at: Instant::now(),
                body,
                refreshing_since: None,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(l: Lookup) -> Option<Bytes> {
        match l {
            Lookup::Hit(b) => Some(b),
            Lookup::Compute => None,
        }
    }

    #[test]
    fn entries_are_served_then_refreshed_by_one_request_then_expire() {
        let cache = ResponseCache::new(Duration::from_millis(200), 10);
        assert!(hit(cache.lookup("a")).is_none(), "absent: compute");
        cache.put("a".into(), Bytes::from_static(b"1"));
        assert_eq!(hit(cache.lookup("a")).as_deref(), Some(&b"1"[..]));
        std::thread::sleep(Duration::from_millis(120));
        assert!(
            hit(cache.lookup("a")).is_none(),
            "second half: the first asker refreshes"
        );
        assert_eq!(
            hit(cache.lookup("a")).as_deref(),
            Some(&b"1"[..]),
            "the others keep the cached body"
        );
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            hit(cache.lookup("a")).is_none(),
            "past the TTL nothing is served"
        );
    }

    #[test]
    fn a_zero_ttl_caches_nothing_and_size_is_bounded() {
        let off = ResponseCache::new(Duration::ZERO, 10);
        off.put("a".into(), Bytes::from_static(b"1"));
        assert!(hit(off.lookup("a")).is_none());
        let small = ResponseCache::new(Duration::from_secs(60), 2);
        for k in ["a", "b", "c"] {
            small.put(k.into(), Bytes::from_static(b"x"));
        }
        assert!(hit(small.lookup("c")).is_some());
        assert!(small.entries.read().map(|e| e.len()).unwrap_or(0) <= 2);
    }

    #[tokio::test]
    async fn a_clear_forgets_entries_and_answers_computed_across_it() {
        let cache = ResponseCache::new(Duration::from_secs(60), 10);
        cache.put("a".into(), Bytes::from_static(b"old"));
        cache.clear();
        assert!(hit(cache.lookup("a")).is_none());
        let body = cache
            .get_or_compute::<(), _>("a", async {
                cache.clear();
                Ok(Bytes::from_static(b"read before the edit"))
            })
            .await
            .expect("computed");
        assert_eq!(body.as_ref(), b"read before the edit");
        assert!(
            hit(cache.lookup("a")).is_none(),
            "an answer computed across a clear is not kept"
        );
    }

    #[tokio::test]
    async fn concurrent_misses_compute_once() {
        let cache = Arc::new(ResponseCache::new(Duration::from_secs(5), 10));
        let computed = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (cache, computed) = (cache.clone(), computed.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_compute::<(), _>("k", async {
                            computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Ok(Bytes::from_static(b"v"))
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.expect("joined").expect("computed").as_ref(), b"v");
        }
        assert_eq!(computed.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
