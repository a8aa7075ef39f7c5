use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use merx_identity::{ApiKey, ApiKeyId, ApiKeyRepository, SecretHash};
use merx_kernel::{AuditEntry, StoreError, Timestamp};

use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::schema::api_keys as t;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = t, check_for_backend(diesel::pg::Pg))]
struct Row {
    id: uuid::Uuid,
    name: String,
    prefix: String,
    key_hash: String,
    created_at: Timestamp,
    revoked_at: Option<Timestamp>,
}

impl From<Row> for ApiKey {
    fn from(r: Row) -> Self {
        Self {
            id: ApiKeyId::from_uuid(r.id),
            name: r.name,
            prefix: r.prefix,
            key_hash: SecretHash::from_stored(r.key_hash),
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        }
    }
}

pub struct PgApiKeys {
    pool: PgPool,
}

impl PgApiKeys {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl ApiKeyRepository for PgApiKeys {
    async fn insert(&self, key: &ApiKey, audit: Option<AuditEntry>) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = Row {
            id: *key.id.as_uuid(),
            name: key.name.clone(),
            prefix: key.prefix.clone(),
            key_hash: key.key_hash.as_str().to_owned(),
            created_at: key.created_at,
            revoked_at: key.revoked_at,
        };
        c.transaction::<_, diesel::result::Error, _>(async move |tx| {
            diesel::insert_into(t::table)
                .values(row)
                .execute(tx)
                .await?;
            crate::audit_log::record(tx, audit).await
        })
        .await
        .map_err(store_error)
    }

    async fn find_by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = t::table
            .filter(t::key_hash.eq(hash.as_str()))
            .select(Row::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        Ok(row.map(ApiKey::from))
    }

    async fn list(&self) -> Result<Vec<ApiKey>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let rows = t::table
            .order((t::created_at.desc(), t::id.desc()))
            .select(Row::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(ApiKey::from).collect())
    }

    async fn revoke(
        &self,
        id: ApiKeyId,
        at: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, diesel::result::Error, _>(async move |tx| {
            let n = diesel::update(
                t::table
                    .filter(t::id.eq(*id.as_uuid()))
                    .filter(t::revoked_at.is_null()),
            )
            .set(t::revoked_at.eq(at))
            .execute(tx)
            .await?;
            crate::audit_log::recorded_if_one(tx, n, audit).await
        })
        .await
        .map_err(store_error)
    }
}
