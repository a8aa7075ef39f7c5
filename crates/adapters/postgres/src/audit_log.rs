//! The audit log in Postgres: entries are written by the repositories whose writes they
//! record, inside those writes' transactions ([`record`]); [`PgAuditLog`] reads them. The
//! table's triggers refuse every update and delete (migration 000013).

use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use merx_kernel::audit::{Actor, ActorKind, AuditEntry, AuditLog, AuditQuery, Changes, Target};
use merx_kernel::{Page, PageRequest, StoreError, Timestamp};

use crate::database::{PgPool, conn};
use crate::error::{decode, store_error};
use crate::schema::audit_log;

type DbError = diesel::result::Error;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_log, check_for_backend(Pg))]
struct EntryRow {
    id: uuid::Uuid,
    actor_kind: String,
    actor_id: String,
    action: String,
    target_type: String,
    target_id: String,
    changes: serde_json::Value,
    request_id: String,
    at: Timestamp,
}

impl EntryRow {
    fn of(e: AuditEntry) -> Result<Self, DbError> {
        Ok(Self {
            id: e.id,
            actor_kind: e.actor.kind.as_str().to_owned(),
            actor_id: e.actor.id,
            action: e.action,
            target_type: e.target.kind,
            target_id: e.target.id,
            changes: serde_json::to_value(e.changes)
                .map_err(|err| DbError::SerializationError(Box::new(err)))?,
            request_id: e.request_id,
            at: e.at,
        })
    }
}

impl TryFrom<EntryRow> for AuditEntry {
    type Error = DbError;

    fn try_from(r: EntryRow) -> Result<Self, DbError> {
        let kind = ActorKind::parse(&r.actor_kind)
            .ok_or_else(|| decode(format!("actor kind {}", r.actor_kind)))?;
        let changes: Changes = serde_json::from_value(r.changes)
            .map_err(|e| decode(format!("changes of audit entry {}: {e}", r.id)))?;
        Ok(Self {
            id: r.id,
            actor: Actor {
                kind,
                id: r.actor_id,
            },
            action: r.action,
            target: Target {
                kind: r.target_type,
                id: r.target_id,
            },
            changes,
            request_id: r.request_id,
            at: r.at,
        })
    }
}

/// Writes the entry of the write the caller's transaction makes, if it has one.
pub(crate) async fn record(
    tx: &mut AsyncPgConnection,
    entry: Option<AuditEntry>,
) -> Result<(), DbError> {
    if let Some(entry) = entry {
        diesel::insert_into(audit_log::table)
            .values(EntryRow::of(entry)?)
            .execute(tx)
            .await?;
    }
    Ok(())
}

/// Whether a one-row write (`n` rows touched) took effect; when it did, its entry goes in the
/// same transaction.
pub(crate) async fn recorded_if_one(
    tx: &mut AsyncPgConnection,
    n: usize,
    entry: Option<AuditEntry>,
) -> Result<bool, DbError> {
    if n == 1 {
        record(tx, entry).await?;
    }
    Ok(n == 1)
}

pub struct PgAuditLog {
    pool: PgPool,
}

impl PgAuditLog {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl AuditLog for PgAuditLog {
    async fn list(
        &self,
        query: &AuditQuery,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let matching = || {
            let mut q = audit_log::table.into_boxed();
            if let Some(v) = &query.actor_id {
                q = q.filter(audit_log::actor_id.eq(v.clone()));
            }
            if let Some(v) = &query.target_type {
                q = q.filter(audit_log::target_type.eq(v.clone()));
            }
            if let Some(v) = &query.target_id {
                q = q.filter(audit_log::target_id.eq(v.clone()));
            }
            if let Some(v) = &query.action {
                q = q.filter(audit_log::action.eq(v.clone()));
            }
            if let Some(since) = query.since {
                q = q.filter(audit_log::at.ge(since));
            }
            q
        };
        let total: i64 = matching()
            .count()
            .get_result(&mut c)
            .await
            .map_err(store_error)?;
        let rows: Vec<EntryRow> = matching()
            .order((audit_log::at.desc(), audit_log::id.desc()))
            .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .limit(i64::from(page.page_size()))
            .select(EntryRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        let items = rows
            .into_iter()
            .map(AuditEntry::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(store_error)?;
        Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
    }
}
