use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use merx_identity::{
    RefreshToken, RefreshTokenId, RefreshTokenRepository, SecretHash, TokenFamilyId, UserId,
};
use merx_kernel::{StoreError, Timestamp};

use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::schema::refresh_tokens as t;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = t, check_for_backend(diesel::pg::Pg))]
struct Row {
    id: uuid::Uuid,
    family_id: uuid::Uuid,
    user_id: uuid::Uuid,
    token_hash: String,
    created_at: Timestamp,
    expires_at: Timestamp,
    used_at: Option<Timestamp>,
    revoked_at: Option<Timestamp>,
}

impl From<Row> for RefreshToken {
    fn from(r: Row) -> Self {
        Self {
            id: RefreshTokenId::from_uuid(r.id),
            family_id: TokenFamilyId::from_uuid(r.family_id),
            user_id: UserId::from_uuid(r.user_id),
            token_hash: SecretHash::from_stored(r.token_hash),
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
            revoked_at: r.revoked_at,
        }
    }
}

pub struct PgRefreshTokens {
    pool: PgPool,
}

impl PgRefreshTokens {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl RefreshTokenRepository for PgRefreshTokens {
    async fn insert(&self, token: &RefreshToken) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = Row {
            id: *token.id.as_uuid(),
            family_id: *token.family_id.as_uuid(),
            user_id: *token.user_id.as_uuid(),
            token_hash: token.token_hash.as_str().to_owned(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            used_at: token.used_at,
            revoked_at: token.revoked_at,
        };
        diesel::insert_into(t::table)
            .values(row)
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn find_by_hash(&self, hash: &SecretHash) -> Result<Option<RefreshToken>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = t::table
            .filter(t::token_hash.eq(hash.as_str()))
            .select(Row::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        Ok(row.map(RefreshToken::from))
    }

    async fn mark_used(&self, id: RefreshTokenId, at: Timestamp) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        // One conditional UPDATE: of two concurrent rotations only one matches the row.
        let n = diesel::update(
            t::table
                .filter(t::id.eq(*id.as_uuid()))
                .filter(t::used_at.is_null())
                .filter(t::revoked_at.is_null()),
        )
        .set(t::used_at.eq(at))
        .execute(&mut c)
        .await
        .map_err(store_error)?;
        Ok(n == 1)
    }

    async fn revoke_family(&self, family: TokenFamilyId, at: Timestamp) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::update(
            t::table
                .filter(t::family_id.eq(*family.as_uuid()))
                .filter(t::revoked_at.is_null()),
        )
        .set(t::revoked_at.eq(at))
        .execute(&mut c)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn revoke_all_for_user(&self, user: UserId, at: Timestamp) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::update(
            t::table
                .filter(t::user_id.eq(*user.as_uuid()))
                .filter(t::revoked_at.is_null()),
        )
        .set(t::revoked_at.eq(at))
        .execute(&mut c)
        .await
        .map_err(store_error)?;
        Ok(())
    }
}
