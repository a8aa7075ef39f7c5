use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use merx_kernel::{IdempotencyClaim, IdempotencyStore, StoreError, StoredResponse, Timestamp};

use crate::lock;

#[derive(Debug)]
struct Record {
    fingerprint: String,
    response: Option<StoredResponse>,
    expires_at: Timestamp,
}

/// Idempotency records in memory.
#[derive(Debug, Default)]
pub struct MemoryIdempotency {
    records: Mutex<HashMap<(String, String), Record>>,
}

#[async_trait]
impl IdempotencyStore for MemoryIdempotency {
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<IdempotencyClaim, StoreError> {
        let mut records = lock(&self.records);
        let id = (scope.to_owned(), key.to_owned());
        if let Some(r) = records.get(&id).filter(|r| r.expires_at > now) {
            return Ok(if r.fingerprint != fingerprint {
                IdempotencyClaim::Reused
            } else {
                r.response
                    .clone()
                    .map_or(IdempotencyClaim::InProgress, IdempotencyClaim::Replay)
            });
        }
        records.insert(
            id,
            Record {
                fingerprint: fingerprint.to_owned(),
                response: None,
                expires_at,
            },
        );
        Ok(IdempotencyClaim::Claimed)
    }

    async fn complete(
        &self,
        scope: &str,
        key: &str,
        response: &StoredResponse,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        if let Some(r) = lock(&self.records).get_mut(&(scope.to_owned(), key.to_owned())) {
            r.response = Some(response.clone());
            r.expires_at = expires_at;
        }
        Ok(())
    }

    async fn abandon(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        lock(&self.records).remove(&(scope.to_owned(), key.to_owned()));
        Ok(())
    }

    async fn delete_expired(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut records = lock(&self.records);
        let before = records.len();
        records.retain(|_, r| r.expires_at > now);
        Ok((before - records.len()) as u64)
    }
}
