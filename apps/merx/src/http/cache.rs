//! A short-lived cache of public catalog answers, per instance. Its entries live at most the
//! configured TTL (1 s by default), so an admin's edit shows on every instance within that
//! time, which is what lets repeated storefront reads (product pages, category lists) skip
//! the database. Admins always read through.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;

pub struct ResponseCache {
    ttl: Duration,
    max_entries: usize,
    entries: RwLock<HashMap<String, (Instant, Bytes)>>,
}

impl ResponseCache {
    /// A zero TTL disables the cache.
    #[must_use]
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        Self {
            ttl,
            max_entries,
            entries: RwLock::new(HashMap::new()),
        }
    }

    #[must_use]
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// A fresh body for `key`, if any.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .map(|(_, body)| body.clone())
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
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
            if entries.len() >= self.max_entries {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = ResponseCache::new(Duration::from_millis(30), 10);
        cache.put("a".into(), Bytes::from_static(b"1"));
        assert_eq!(cache.get("a").as_deref(), Some(&b"1"[..]));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get("a"), None);
    }

    #[test]
    fn a_zero_ttl_caches_nothing_and_size_is_bounded() {
        let off = ResponseCache::new(Duration::ZERO, 10);
        off.put("a".into(), Bytes::from_static(b"1"));
        assert_eq!(off.get("a"), None);
        let small = ResponseCache::new(Duration::from_secs(60), 2);
        for k in ["a", "b", "c"] {
            small.put(k.into(), Bytes::from_static(b"x"));
        }
        assert!(small.get("c").is_some());
        assert!(small.entries.read().map(|e| e.len()).unwrap_or(0) <= 2);
    }
}
