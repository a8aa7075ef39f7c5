use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
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

    /// Revokes the matching tokens after locking them, so that a rotation committing meanwhile
    /// is waited for and its new token revoked too (the UPDATE runs on a fresh snapshot).
    async fn revoke_where<F>(&self, filter: F, at: Timestamp) -> Result<(), StoreError>
    where
        F: diesel::BoxableExpression<t::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>
            + diesel::expression::NonAggregate
            + diesel::query_builder::QueryId
            + Clone
            + Send
            + 'static,
    {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, diesel::result::Error, _>(async move |tx| {
            lock_rows(tx, filter.clone()).await?;
            diesel::update(t::table.filter(filter).filter(t::revoked_at.is_null()))
                .set(t::revoked_at.eq(at))
                .execute(tx)
                .await?;
            Ok(())
        })
        .await
        .map_err(store_error)
    }
}

/// `SELECT id ... FOR UPDATE` in id order: every writer of a family locks its rows the same
/// way, so they queue instead of deadlocking.
async fn lock_rows<F>(
    tx: &mut diesel_async::AsyncPgConnection,
    filter: F,
) -> Result<(), diesel::result::Error>
where
    F: diesel::BoxableExpression<t::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>
        + diesel::expression::NonAggregate
        + diesel::query_builder::QueryId
        + Send
        + 'static,
{
    t::table
        .filter(filter)
        .order(t::id)
        .select(t::id)
        .for_update()
        .load::<uuid::Uuid>(tx)
        .await
        .map(drop)
}

impl From<&RefreshToken> for Row {
    fn from(token: &RefreshToken) -> Self {
        Self {
            id: *token.id.as_uuid(),
            family_id: *token.family_id.as_uuid(),
            user_id: *token.user_id.as_uuid(),
            token_hash: token.token_hash.as_str().to_owned(),
            created_at: token.created_at,
            expires_at: token.expires_at,
            used_at: token.used_at,
            revoked_at: token.revoked_at,
        }
    }
}

#[async_trait]
impl RefreshTokenRepository for PgRefreshTokens {
    async fn insert(&self, token: &RefreshToken) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::insert_into(t::table)
            .values(Row::from(token))
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

    async fn rotate(
        &self,
        spent: RefreshTokenId,
        next: &RefreshToken,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let (spent, next) = (*spent.as_uuid(), Row::from(next));
        c.transaction::<_, diesel::result::Error, _>(async move |tx| {
            // Lock the whole family (in id order, as revocation does): a concurrent revocation
            // then either runs before us, and we see it, or after us, and sees `next`.
            lock_rows(tx, t::family_id.eq(next.family_id)).await?;
            let n = diesel::update(
                t::table
                    .find(spent)
                    .filter(t::used_at.is_null())
                    .filter(t::revoked_at.is_null()),
            )
            .set(t::used_at.eq(at))
            .execute(tx)
            .await?;
            if n == 1 {
                diesel::insert_into(t::table)
                    .values(&next)
                    .execute(tx)
                    .await?;
            }
            Ok(n == 1)
        })
        .await
        .map_err(store_error)
    }

    async fn revoke_family(&self, family: TokenFamilyId, at: Timestamp) -> Result<(), StoreError> {
        self.revoke_where(t::family_id.eq(*family.as_uuid()), at)
            .await
    }

    async fn revoke_all_for_user(&self, user: UserId, at: Timestamp) -> Result<(), StoreError> {
        self.revoke_where(t::user_id.eq(*user.as_uuid()), at).await
    }
}
