use async_trait::async_trait;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamptz};
use diesel_async::RunQueryDsl;
use merx_kernel::{IdempotencyClaim, IdempotencyStore, StoreError, StoredResponse, Timestamp};

use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::schema::idempotency_keys;

/// Idempotency records in Postgres, so every instance sees every key.
#[derive(Clone)]
pub struct PgIdempotency {
    pool: PgPool,
}

impl PgIdempotency {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl IdempotencyStore for PgIdempotency {
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<IdempotencyClaim, StoreError> {
        let mut c = conn(&self.pool).await?;
        // A key is taken by inserting it; an expired record is taken over. The unique key makes
        // exactly one of concurrent claims win.
        let won = diesel::sql_query(
            "INSERT INTO idempotency_keys (scope, key, fingerprint, expires_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (scope, key) DO UPDATE \
             SET fingerprint = EXCLUDED.fingerprint, status = NULL, body = NULL, \
                 expires_at = EXCLUDED.expires_at \
             WHERE idempotency_keys.expires_at <= $5",
        )
        .bind::<Text, _>(scope)
        .bind::<Text, _>(key)
        .bind::<Text, _>(fingerprint)
        .bind::<Timestamptz, _>(expires_at)
        .bind::<Timestamptz, _>(now)
        .execute(&mut c)
        .await
        .map_err(store_error)?;
        if won == 1 {
            return Ok(IdempotencyClaim::Claimed);
        }
        let found: Option<(String, Option<i16>, Option<String>)> = idempotency_keys::table
            .find((scope, key))
            .select((
                idempotency_keys::fingerprint,
                idempotency_keys::status,
                idempotency_keys::body,
            ))
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        Ok(match found {
            Some((f, _, _)) if f != fingerprint => IdempotencyClaim::Reused,
            Some((_, Some(status), body)) => IdempotencyClaim::Replay(StoredResponse {
                status: u16::try_from(status).unwrap_or(500),
                body: body.unwrap_or_default(),
            }),
            // Being answered now, or abandoned a moment ago: the client retries.
            _ => IdempotencyClaim::InProgress,
        })
    }

    async fn complete(
        &self,
        scope: &str,
        key: &str,
        response: &StoredResponse,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::update(idempotency_keys::table.find((scope, key)))
            .set((
                idempotency_keys::status.eq(Some(i16::try_from(response.status).unwrap_or(500))),
                idempotency_keys::body.eq(Some(&response.body)),
                idempotency_keys::expires_at.eq(expires_at),
            ))
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn abandon(&self, scope: &str, key: &str) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::delete(idempotency_keys::table.find((scope, key)))
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn delete_expired(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n =
            diesel::delete(idempotency_keys::table.filter(idempotency_keys::expires_at.le(now)))
                .execute(&mut c)
                .await
                .map_err(store_error)?;
        Ok(n as u64)
    }
}
