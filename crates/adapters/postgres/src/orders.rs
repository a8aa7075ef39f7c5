//! Orders in Postgres: their rows (the item snapshot and breakdown as JSONB), reading and
//! listing them, and admin edits. Placing, confirming and cancelling also move stock, so they
//! are transactions of `checkout.rs`, which locks and saves orders through this file.

use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_identity::UserId;
use merx_kernel::{Currency, Page, PageRequest, PaymentMethod, StoreError, Timestamp};
use merx_orders::outbound::Outbound;
use merx_orders::{
    CancelReason, Order, OrderFilter, OrderFlag, OrderId, OrderNumber, OrderRepository,
    OrderStatus, PaymentStatus, StatusTimes,
};

use crate::database::{PgPool, conn};
use crate::error::{decode, store_error};
use crate::schema::orders;

type DbError = diesel::result::Error;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders, check_for_backend(Pg), treat_none_as_null = true)]
pub(crate) struct OrderRow {
    id: uuid::Uuid,
    order_number: String,
    user_id: Option<uuid::Uuid>,
    email: String,
    status: String,
    payment_status: String,
    currency: String,
    items: serde_json::Value,
    totals: serde_json::Value,
    discount_code: Option<String>,
    shipping_address: serde_json::Value,
    billing_address: serde_json::Value,
    shipping_method: String,
    payment_method: String,
    payment_provider_ref: Option<String>,
    tracking_number: Option<String>,
    notes: Option<String>,
    admin_note: Option<String>,
    cancel_reason: Option<String>,
    checkout_id: Option<uuid::Uuid>,
    token_hash: Option<String>,
    stock_taken: bool,
    payment_due_at: Option<Timestamp>,
    confirmed_at: Option<Timestamp>,
    shipped_at: Option<Timestamp>,
    delivered_at: Option<Timestamp>,
    cancelled_at: Option<Timestamp>,
    paid_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
    flags: Vec<String>,
    ledger: serde_json::Value,
}

/// The `totals` column: the breakdown, and the tax id an exempt order was placed under (kept
/// beside its totals, which it explains, as the table is at diesel's 32 columns).
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredTotals {
    #[serde(flatten)]
    totals: merx_orders::OrderTotals,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tax_id: Option<String>,
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

pub(crate) fn order_row(o: &Order) -> OrderRow {
    OrderRow {
        id: *o.id.as_uuid(),
        order_number: o.number.to_string(),
        user_id: o.user_id.map(|u| *u.as_uuid()),
        email: o.email.clone(),
        status: o.status.as_str().to_owned(),
        payment_status: o.payment_status.as_str().to_owned(),
        currency: o.currency.code().to_owned(),
        items: json(&o.items),
        totals: json(&StoredTotals {
            totals: o.totals,
            tax_id: o.tax_id.clone(),
        }),
        discount_code: o.discount_code.clone(),
        shipping_address: json(&o.shipping_address),
        billing_address: json(&o.billing_address),
        shipping_method: o.shipping_method.clone(),
        payment_method: o.payment_method.as_str().to_owned(),
        payment_provider_ref: o.payment_provider_ref.clone(),
        tracking_number: o.tracking_number.clone(),
        notes: o.notes.clone(),
        admin_note: o.admin_note.clone(),
        cancel_reason: o.cancel_reason.map(|r| r.as_str().to_owned()),
        checkout_id: o.checkout_id,
        token_hash: o.token_hash.clone(),
        stock_taken: o.stock_taken,
        payment_due_at: o.payment_due_at,
        confirmed_at: o.times.confirmed_at,
        shipped_at: o.times.shipped_at,
        delivered_at: o.times.delivered_at,
        cancelled_at: o.times.cancelled_at,
        paid_at: o.paid_at,
        created_at: o.created_at,
        updated_at: o.updated_at,
        flags: o.flags.iter().map(|f| f.as_str().to_owned()).collect(),
        ledger: json(&o.ledger),
    }
}

impl TryFrom<OrderRow> for Order {
    type Error = DbError;

    fn try_from(r: OrderRow) -> Result<Self, DbError> {
        let payment_status =
            PaymentStatus::parse(&r.payment_status).ok_or_else(|| decode("payment status"))?;
        let stored: StoredTotals = serde_json::from_value(r.totals).map_err(decode)?;
        Ok(Self {
            id: OrderId::from_uuid(r.id),
            number: OrderNumber::parse(&r.order_number).ok_or_else(|| decode("order number"))?,
            user_id: r.user_id.map(UserId::from_uuid),
            email: r.email,
            status: OrderStatus::parse(&r.status).ok_or_else(|| decode("order status"))?,
            payment_status,
            currency: r.currency.parse::<Currency>().map_err(decode)?,
            items: serde_json::from_value(r.items).map_err(decode)?,
            totals: stored.totals,
            discount_code: r.discount_code,
            shipping_address: serde_json::from_value(r.shipping_address).map_err(decode)?,
            billing_address: serde_json::from_value(r.billing_address).map_err(decode)?,
            shipping_method: r.shipping_method,
            payment_method: PaymentMethod::parse(&r.payment_method)
                .ok_or_else(|| decode("payment method"))?,
            payment_provider_ref: r.payment_provider_ref,
            tracking_number: r.tracking_number,
            notes: r.notes,
            admin_note: r.admin_note,
            cancel_reason: r
                .cancel_reason
                .as_deref()
                .map(|c| CancelReason::parse(c).ok_or_else(|| decode("cancel reason")))
                .transpose()?,
            checkout_id: r.checkout_id,
            token_hash: r.token_hash,
            stock_taken: r.stock_taken,
            payment_due_at: r.payment_due_at,
            times: StatusTimes {
                confirmed_at: r.confirmed_at,
                shipped_at: r.shipped_at,
                delivered_at: r.delivered_at,
                cancelled_at: r.cancelled_at,
            },
            paid_at: r.paid_at,
            flags: r
                .flags
                .iter()
                .map(|f| OrderFlag::parse(f).ok_or_else(|| decode("order flag")))
                .collect::<Result<_, _>>()?,
            ledger: serde_json::from_value(r.ledger).map_err(decode)?,
            tax_id: stored.tax_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) async fn locked_order(
    tx: &mut AsyncPgConnection,
    id: OrderId,
) -> Result<Option<Order>, DbError> {
    let row: Option<OrderRow> = orders::table
        .find(*id.as_uuid())
        .select(OrderRow::as_select())
        .for_update()
        .first(tx)
        .await
        .optional()?;
    row.map(Order::try_from).transpose()
}

/// Saves `order`, changed from `before` under its lock, with the outbox messages the change
/// causes.
pub(crate) async fn save_order(
    tx: &mut AsyncPgConnection,
    before: &Order,
    order: &Order,
    outbound: Outbound,
) -> Result<(), DbError> {
    diesel::update(orders::table.find(*order.id.as_uuid()))
        .set(&order_row(order))
        .execute(tx)
        .await?;
    crate::outbox::write(
        tx,
        &outbound.order_changed(Some(before), order, order.updated_at),
    )
    .await
}

/// Orders on a pool.
#[derive(Clone)]
pub struct PgOrders {
    pool: PgPool,
    outbound: Outbound,
}

impl PgOrders {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            outbound: Outbound::default(),
        }
    }

    /// Writes the outbox messages of `outbound`'s receivers with each change of an order.
    #[must_use]
    pub fn with_outbound(self, outbound: Outbound) -> Self {
        Self { outbound, ..self }
    }

    pub(crate) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl OrderRepository for PgOrders {
    async fn find(&self, id: OrderId) -> Result<Option<Order>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row: Option<OrderRow> = orders::table
            .find(*id.as_uuid())
            .select(OrderRow::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        row.map(Order::try_from).transpose().map_err(store_error)
    }

    async fn list(
        &self,
        filter: OrderFilter,
        page: PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let filtered = || {
            let mut q = orders::table.into_boxed();
            if let Some(user) = filter.user {
                q = q.filter(orders::user_id.eq(*user.as_uuid()));
            }
            if let Some(status) = filter.status {
                q = q.filter(orders::status.eq(status.as_str()));
            }
            q
        };
        let total: i64 = filtered()
            .count()
            .get_result(&mut c)
            .await
            .map_err(store_error)?;
        let rows: Vec<OrderRow> = filtered()
            .order((orders::created_at.desc(), orders::id.desc()))
            .limit(i64::from(page.page_size()))
            .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .select(OrderRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        let items = rows
            .into_iter()
            .map(Order::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(store_error)?;
        Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
    }

    async fn update(
        &self,
        order: &Order,
        seen: Timestamp,
        audit: Option<merx_kernel::AuditEntry>,
    ) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let outbound = self.outbound;
        c.transaction::<_, DbError, _>(async move |tx| {
            // Locked, so the messages are told from the state this edit replaces.
            let Some(before) = locked_order(tx, order.id).await? else {
                return Ok(false);
            };
            if before.updated_at != seen {
                return Ok(false);
            }
            save_order(tx, &before, order, outbound).await?;
            crate::audit_log::recorded_if_one(tx, 1, audit).await
        })
        .await
        .map_err(store_error)
    }
}
