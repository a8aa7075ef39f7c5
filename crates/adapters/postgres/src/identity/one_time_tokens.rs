use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use merx_identity::{OneTimeToken, OneTimeTokenRepository, SecretHash, TokenPurpose, UserId};
use merx_kernel::{StoreError, Timestamp};

use super::unknown_value;
use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::schema::one_time_tokens as t;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = t, check_for_backend(diesel::pg::Pg))]
struct Row {
    token_hash: String,
    user_id: uuid::Uuid,
    purpose: String,
    created_at: Timestamp,
    expires_at: Timestamp,
    used_at: Option<Timestamp>,
}

impl TryFrom<Row> for OneTimeToken {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(Self {
            purpose: TokenPurpose::parse(&r.purpose)
                .ok_or_else(|| unknown_value("purpose", &r.purpose))?,
            user_id: UserId::from_uuid(r.user_id),
            token_hash: SecretHash::from_stored(r.token_hash),
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
        })
    }
}

pub struct PgOneTimeTokens {
    pool: PgPool,
}

impl PgOneTimeTokens {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl OneTimeTokenRepository for PgOneTimeTokens {
    async fn insert(&self, token: &OneTimeToken) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = Row {
            token_hash: token.token_hash.as_str().to_owned(),
            user_id: *token.user_id.as_uuid(),
            purpose: token.purpose.as_str().to_owned(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            used_at: token.used_at,
        };
        diesel::insert_into(t::table)
            .values(row)
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn consume(
        &self,
        purpose: TokenPurpose,
        hash: &SecretHash,
        at: Timestamp,
    ) -> Result<Option<OneTimeToken>, StoreError> {
        let mut c = conn(&self.pool).await?;
        // The conditional UPDATE is the single-use guarantee; RETURNING gives the row as it is
        // now, so `used_at` is put back to what it was before.
        let row = diesel::update(
            t::table
                .filter(t::token_hash.eq(hash.as_str()))
                .filter(t::purpose.eq(purpose.as_str()))
                .filter(t::used_at.is_null()),
        )
        .set(t::used_at.eq(at))
        .returning(Row::as_returning())
        .get_result(&mut c)
        .await
        .optional()
        .map_err(store_error)?;
        row.map(|r| OneTimeToken::try_from(Row { used_at: None, ..r }))
            .transpose()
    }
}
