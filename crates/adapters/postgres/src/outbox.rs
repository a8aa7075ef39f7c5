//! The outbox in Postgres. A claim is one statement: the due rows are picked
//! `FOR UPDATE SKIP LOCKED` (rows another instance is claiming are passed over, not waited
//! for) and leased in the same `UPDATE`, so no two instances take one message within a lease.

use async_trait::async_trait;
use chrono::Duration;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use merx_kernel::outbox::{Outbox, OutboxMessage, OutboxStatus, OutboxView, Retry};
use merx_kernel::{Page, PageRequest, StoreError, Timestamp};

use crate::database::{PgPool, conn};
use crate::error::{decode, store_error};
use crate::schema::outbox;

type DbError = diesel::result::Error;

#[derive(Queryable, Selectable, Insertable, QueryableByName)]
#[diesel(table_name = outbox, check_for_backend(Pg))]
struct MessageRow {
    id: uuid::Uuid,
    topic: String,
    key: String,
    payload: serde_json::Value,
    status: String,
    attempts: i32,
    next_attempt_at: Timestamp,
    last_error: Option<String>,
    created_at: Timestamp,
    delivered_at: Option<Timestamp>,
}

impl MessageRow {
    fn of(m: &OutboxMessage) -> Self {
        Self {
            id: m.id,
            topic: m.topic.clone(),
            key: m.key.clone(),
            payload: m.payload.clone(),
            status: m.status.as_str().to_owned(),
            attempts: i32::try_from(m.attempts).unwrap_or(i32::MAX),
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error.clone(),
            created_at: m.created_at,
            delivered_at: m.delivered_at,
        }
    }
}

impl TryFrom<MessageRow> for OutboxMessage {
    type Error = DbError;

    fn try_from(r: MessageRow) -> Result<Self, DbError> {
        Ok(Self {
            id: r.id,
            status: OutboxStatus::parse(&r.status)
                .ok_or_else(|| decode(format!("outbox status {}", r.status)))?,
            attempts: u32::try_from(r.attempts).unwrap_or(0),
            topic: r.topic,
            key: r.key,
            payload: r.payload,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            created_at: r.created_at,
            delivered_at: r.delivered_at,
        })
    }
}

fn rows(rows: Vec<MessageRow>) -> Result<Vec<OutboxMessage>, StoreError> {
    rows.into_iter()
        .map(OutboxMessage::try_from)
        .collect::<Result<_, _>>()
        .map_err(store_error)
}

/// Writes `messages` in `tx`: the transaction of the change that causes them.
pub(crate) async fn write(
    tx: &mut diesel_async::AsyncPgConnection,
    messages: &[OutboxMessage],
) -> Result<(), DbError> {
    if messages.is_empty() {
        return Ok(());
    }
    let rows: Vec<MessageRow> = messages.iter().map(MessageRow::of).collect();
    diesel::insert_into(outbox::table)
        .values(rows)
        .execute(tx)
        .await?;
    Ok(())
}

pub struct PgOutbox {
    pool: PgPool,
}

impl PgOutbox {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl Outbox for PgOutbox {
    async fn enqueue(&self, message: &OutboxMessage) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::insert_into(outbox::table)
            .values(MessageRow::of(message))
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn claim_due(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let claimed: Vec<MessageRow> = diesel::sql_query(
            "UPDATE outbox SET next_attempt_at = $2 WHERE id IN ( \
                 SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
             RETURNING *",
        )
        .bind::<diesel::sql_types::Timestamptz, _>(now)
        .bind::<diesel::sql_types::Timestamptz, _>(now + lease)
        .bind::<diesel::sql_types::BigInt, _>(i64::from(limit))
        .load(&mut c)
        .await
        .map_err(store_error)?;
        let mut claimed = rows(claimed)?;
        claimed.sort_by_key(|m| (m.created_at, m.id));
        Ok(claimed)
    }

    async fn delivered(&self, id: uuid::Uuid, at: Timestamp) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::update(outbox::table.find(id))
            .set((
                outbox::status.eq(OutboxStatus::Delivered.as_str()),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::delivered_at.eq(at),
            ))
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn failed(&self, id: uuid::Uuid, error: &str, retry: Retry) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        let pending = outbox::table
            .find(id)
            .filter(outbox::status.eq(OutboxStatus::Pending.as_str()));
        let base = (
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
        );
        match retry {
            Retry::At(at) => {
                diesel::update(pending)
                    .set((base, outbox::next_attempt_at.eq(at)))
                    .execute(&mut c)
                    .await
            }
            Retry::Dead => {
                diesel::update(pending)
                    .set((base, outbox::status.eq(OutboxStatus::Dead.as_str())))
                    .execute(&mut c)
                    .await
            }
        }
        .map_err(store_error)?;
        Ok(())
    }

    async fn retry_now(&self, id: uuid::Uuid, now: Timestamp) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n = diesel::update(
            outbox::table
                .find(id)
                .filter(outbox::status.ne(OutboxStatus::Delivered.as_str())),
        )
        .set((
            outbox::status.eq(OutboxStatus::Pending.as_str()),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
        ))
        .execute(&mut c)
        .await
        .map_err(store_error)?;
        Ok(n == 1)
    }

    async fn list(
        &self,
        view: Option<OutboxView>,
        page: PageRequest,
    ) -> Result<Page<OutboxMessage>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let filtered = || {
            let mut q = outbox::table.into_boxed();
            if let Some(v) = view {
                let (status, failed) = v.stored();
                q = q.filter(outbox::status.eq(status.as_str()));
                match failed {
                    Some(true) => q = q.filter(outbox::attempts.gt(0)),
                    Some(false) => q = q.filter(outbox::attempts.eq(0)),
                    None => {}
                }
            }
            q
        };
        let total: i64 = filtered()
            .count()
            .get_result(&mut c)
            .await
            .map_err(store_error)?;
        let found: Vec<MessageRow> = filtered()
            .order((outbox::created_at.desc(), outbox::id.desc()))
            .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .limit(i64::from(page.page_size()))
            .select(MessageRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        Ok(Page::new(
            rows(found)?,
            u64::try_from(total).unwrap_or(0),
            page,
        ))
    }
}
