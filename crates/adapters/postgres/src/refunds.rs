//! Refund rows in Postgres, written inside the checkout store's transactions (the refund and
//! its order's ledger change together).

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use merx_kernel::{Currency, Timestamp};
use merx_orders::outbound::Outbound;
use merx_orders::{OrderId, Refund, RefundId, RefundStatus};

use crate::error::decode;
use crate::schema::refunds;

type DbError = diesel::result::Error;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = refunds, check_for_backend(Pg))]
struct RefundRow {
    id: uuid::Uuid,
    order_id: uuid::Uuid,
    amount: i64,
    currency: String,
    status: String,
    provider_ref: Option<String>,
    reason: Option<String>,
    restocked: bool,
    created_at: Timestamp,
}

impl RefundRow {
    fn of(r: &Refund) -> Self {
        Self {
            id: *r.id.as_uuid(),
            order_id: *r.order_id.as_uuid(),
            amount: r.amount,
            currency: r.currency.code().to_owned(),
            status: r.status.as_str().to_owned(),
            provider_ref: r.provider_ref.clone(),
            reason: r.reason.clone(),
            restocked: r.restocked,
            created_at: r.created_at,
        }
    }

    fn into_refund(self) -> Result<Refund, DbError> {
        Ok(Refund {
            id: RefundId::from_uuid(self.id),
            order_id: OrderId::from_uuid(self.order_id),
            amount: self.amount,
            currency: self
                .currency
                .parse::<Currency>()
                .map_err(|_| decode("refund currency"))?,
            status: RefundStatus::parse(&self.status).ok_or_else(|| decode("refund status"))?,
            provider_ref: self.provider_ref,
            reason: self.reason,
            restocked: self.restocked,
            created_at: self.created_at,
        })
    }
}

/// Stores a new refund, with the outbox messages it causes.
pub(crate) async fn insert(
    tx: &mut AsyncPgConnection,
    refund: &Refund,
    outbound: Outbound,
    now: Timestamp,
) -> Result<(), DbError> {
    diesel::insert_into(refunds::table)
        .values(RefundRow::of(refund))
        .execute(tx)
        .await?;
    crate::outbox::write(tx, &outbound.refund_changed(refund, now)).await
}

/// The refund, locked for the rest of the transaction.
pub(crate) async fn locked(
    tx: &mut AsyncPgConnection,
    id: RefundId,
) -> Result<Option<Refund>, DbError> {
    let row: Option<RefundRow> = refunds::table
        .find(*id.as_uuid())
        .select(RefundRow::as_select())
        .for_update()
        .first(tx)
        .await
        .optional()?;
    row.map(RefundRow::into_refund).transpose()
}

/// Saves a pending refund's outcome, with the outbox messages it causes.
pub(crate) async fn save(
    tx: &mut AsyncPgConnection,
    refund: &Refund,
    outbound: Outbound,
    now: Timestamp,
) -> Result<(), DbError> {
    diesel::update(refunds::table.find(*refund.id.as_uuid()))
        .set((
            refunds::status.eq(refund.status.as_str()),
            refunds::provider_ref.eq(refund.provider_ref.clone()),
        ))
        .execute(tx)
        .await?;
    crate::outbox::write(tx, &outbound.refund_changed(refund, now)).await
}

pub(crate) async fn of_order(
    c: &mut AsyncPgConnection,
    order: OrderId,
) -> Result<Vec<Refund>, DbError> {
    let rows: Vec<RefundRow> = refunds::table
        .filter(refunds::order_id.eq(*order.as_uuid()))
        .order((refunds::created_at.asc(), refunds::id.asc()))
        .select(RefundRow::as_select())
        .load(c)
        .await?;
    rows.into_iter().map(RefundRow::into_refund).collect()
}
