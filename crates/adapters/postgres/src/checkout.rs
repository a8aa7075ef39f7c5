//! Checkout sessions and orders in Postgres. Each write that spans orders, stock, discounts
//! and carts is one transaction that locks what it changes first: the session or order row,
//! then (through `stock_moves`) product and stock rows in id order.

use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_cart::CartId;
use merx_checkout::{
    CheckoutId, CheckoutSession, CheckoutStore, OrderChange, PlaceOutcome, Placement,
    SessionStatus, stock_actor, stock_lines,
};
use merx_identity::UserId;
use merx_kernel::{Currency, Page, PageRequest, StoreError, Timestamp};
use merx_orders::{
    CancelReason, Order, OrderFilter, OrderId, OrderNumber, OrderRepository, OrderStatus,
    PaymentStatus, Settlement, StatusTimes,
};

use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::schema::{cart_items, carts, checkout_sessions, orders};
use crate::stock_moves;

type DbError = diesel::result::Error;

/// Ends a transaction early: roll back and answer `T`, or fail.
enum Abort<T> {
    With(T),
    Db(DbError),
}

impl<T> From<DbError> for Abort<T> {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

fn finish<T>(result: Result<T, Abort<T>>) -> Result<T, StoreError> {
    match result {
        Ok(t) | Err(Abort::With(t)) => Ok(t),
        Err(Abort::Db(e)) => Err(store_error(e)),
    }
}

fn decode(msg: impl std::fmt::Display) -> DbError {
    DbError::DeserializationError(msg.to_string().into())
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders, check_for_backend(Pg), treat_none_as_null = true)]
struct OrderRow {
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
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

fn order_row(o: &Order) -> OrderRow {
    OrderRow {
        id: *o.id.as_uuid(),
        order_number: o.number.to_string(),
        user_id: o.user_id.map(|u| *u.as_uuid()),
        email: o.email.clone(),
        status: o.status.as_str().to_owned(),
        payment_status: o.payment_status.as_str().to_owned(),
        currency: o.currency.code().to_owned(),
        items: json(&o.items),
        totals: json(&o.totals),
        discount_code: o.discount_code.clone(),
        shipping_address: json(&o.shipping_address),
        billing_address: json(&o.billing_address),
        shipping_method: o.shipping_method.clone(),
        payment_method: o.payment_method.clone(),
        payment_provider_ref: o.payment_provider_ref.clone(),
        tracking_number: o.tracking_number.clone(),
        notes: o.notes.clone(),
        admin_note: o.admin_note.clone(),
        cancel_reason: o.cancel_reason.clone(),
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
    }
}

impl TryFrom<OrderRow> for Order {
    type Error = DbError;

    fn try_from(r: OrderRow) -> Result<Self, DbError> {
        let payment_status =
            PaymentStatus::parse(&r.payment_status).ok_or_else(|| decode("payment status"))?;
        Ok(Self {
            id: OrderId::from_uuid(r.id),
            number: OrderNumber::parse(&r.order_number).ok_or_else(|| decode("order number"))?,
            user_id: r.user_id.map(UserId::from_uuid),
            email: r.email,
            status: OrderStatus::parse(&r.status).ok_or_else(|| decode("order status"))?,
            payment_status,
            currency: r.currency.parse::<Currency>().map_err(decode)?,
            items: serde_json::from_value(r.items).map_err(decode)?,
            totals: serde_json::from_value(r.totals).map_err(decode)?,
            discount_code: r.discount_code,
            shipping_address: serde_json::from_value(r.shipping_address).map_err(decode)?,
            billing_address: serde_json::from_value(r.billing_address).map_err(decode)?,
            shipping_method: r.shipping_method,
            payment_method: r.payment_method,
            payment_provider_ref: r.payment_provider_ref,
            tracking_number: r.tracking_number,
            notes: r.notes,
            admin_note: r.admin_note,
            cancel_reason: r.cancel_reason,
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
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

type SessionColumns = (String, Option<uuid::Uuid>, Timestamp, serde_json::Value);

fn session_of(cols: SessionColumns) -> Result<CheckoutSession, DbError> {
    let (status, order_id, updated_at, body) = cols;
    let mut s: CheckoutSession = serde_json::from_value(body).map_err(decode)?;
    s.status = SessionStatus::parse(&status).ok_or_else(|| decode("session status"))?;
    s.order_id = order_id.map(OrderId::from_uuid);
    s.updated_at = updated_at;
    Ok(s)
}

async fn locked_order(tx: &mut AsyncPgConnection, id: OrderId) -> Result<Option<Order>, DbError> {
    let row: Option<OrderRow> = orders::table
        .find(*id.as_uuid())
        .select(OrderRow::as_select())
        .for_update()
        .first(tx)
        .await
        .optional()?;
    row.map(Order::try_from).transpose()
}

async fn save_order(tx: &mut AsyncPgConnection, order: &Order) -> Result<(), DbError> {
    diesel::update(orders::table.find(*order.id.as_uuid()))
        .set(&order_row(order))
        .execute(tx)
        .await?;
    Ok(())
}

/// Cancels the cart's open sessions other than `keep` and deletes their holds. Callers hold
/// the cart row's lock, so sessions of one cart are opened and replaced one at a time.
async fn cancel_open_sessions(
    tx: &mut AsyncPgConnection,
    cart: CartId,
    keep: Option<CheckoutId>,
    now: Timestamp,
) -> Result<(), DbError> {
    let keep = keep.map(|k| *k.as_uuid()).unwrap_or_default();
    let ids: Vec<uuid::Uuid> = diesel::update(
        checkout_sessions::table
            .filter(checkout_sessions::cart_id.eq(*cart.as_uuid()))
            .filter(checkout_sessions::status.eq(SessionStatus::Open.as_str()))
            .filter(checkout_sessions::id.ne(keep)),
    )
    .set((
        checkout_sessions::status.eq(SessionStatus::Cancelled.as_str()),
        checkout_sessions::updated_at.eq(now),
    ))
    .returning(checkout_sessions::id)
    .get_results(tx)
    .await?;
    for id in ids {
        stock_moves::release(tx, &CheckoutId::from_uuid(id).holder()).await?;
    }
    Ok(())
}

async fn lock_cart(tx: &mut AsyncPgConnection, cart: CartId) -> Result<(), DbError> {
    let _: Option<uuid::Uuid> = carts::table
        .find(*cart.as_uuid())
        .select(carts::id)
        .for_update()
        .first(tx)
        .await
        .optional()?;
    Ok(())
}

/// Checkout sessions and orders on a pool.
#[derive(Clone)]
pub struct PgCheckout {
    pool: PgPool,
}

impl PgCheckout {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Cancels one order in its own transaction, under its row lock.
    async fn cancel_in(
        tx: &mut AsyncPgConnection,
        id: OrderId,
        reason: CancelReason,
        now: Timestamp,
        only_unpaid_due: bool,
    ) -> Result<OrderChange, DbError> {
        let Some(mut order) = locked_order(tx, id).await? else {
            return Ok(OrderChange::NotFound);
        };
        if only_unpaid_due && !order.is_payment_overdue(now) {
            return Ok(OrderChange::Refused(order.status));
        }
        let status = order.status;
        let Ok(undo) = order.cancel(reason, now) else {
            return Ok(OrderChange::Refused(status));
        };
        if undo.returns_stock {
            stock_moves::put_back(tx, &stock_lines(&order.items), &stock_actor(&order), now)
                .await?;
        } else {
            stock_moves::release(tx, &order.holder()).await?;
        }
        if undo.gives_back_discount {
            crate::pricing::unredeem(tx, &order.id.to_string()).await?;
        }
        save_order(tx, &order).await?;
        Ok(OrderChange::Done(Box::new(order)))
    }
}

#[async_trait]
impl CheckoutStore for PgCheckout {
    async fn insert_session(&self, s: &CheckoutSession) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        let body = serde_json::to_value(s).map_err(StoreError::other)?;
        c.transaction::<_, DbError, _>(async move |tx| {
            lock_cart(tx, s.cart_id).await?;
            cancel_open_sessions(tx, s.cart_id, None, s.created_at).await?;
            diesel::insert_into(checkout_sessions::table)
                .values((
                    checkout_sessions::id.eq(*s.id.as_uuid()),
                    checkout_sessions::cart_id.eq(*s.cart_id.as_uuid()),
                    checkout_sessions::status.eq(s.status.as_str()),
                    checkout_sessions::expires_at.eq(s.expires_at),
                    checkout_sessions::order_id.eq(s.order_id.map(|o| *o.as_uuid())),
                    checkout_sessions::updated_at.eq(s.updated_at),
                    checkout_sessions::body.eq(body),
                ))
                .execute(tx)
                .await?;
            Ok(())
        })
        .await
        .map_err(store_error)
    }

    async fn find_session(&self, id: CheckoutId) -> Result<Option<CheckoutSession>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let cols: Option<SessionColumns> = checkout_sessions::table
            .find(*id.as_uuid())
            .select((
                checkout_sessions::status,
                checkout_sessions::order_id,
                checkout_sessions::updated_at,
                checkout_sessions::body,
            ))
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        cols.map(session_of).transpose().map_err(store_error)
    }

    async fn open_sessions_of_cart(&self, cart: CartId) -> Result<Vec<CheckoutId>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let ids: Vec<uuid::Uuid> = checkout_sessions::table
            .filter(checkout_sessions::cart_id.eq(*cart.as_uuid()))
            .filter(checkout_sessions::status.eq(SessionStatus::Open.as_str()))
            .select(checkout_sessions::id)
            .load(&mut c)
            .await
            .map_err(store_error)?;
        Ok(ids.into_iter().map(CheckoutId::from_uuid).collect())
    }

    async fn close_session(
        &self,
        id: CheckoutId,
        to: SessionStatus,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let n = diesel::update(
                checkout_sessions::table
                    .find(*id.as_uuid())
                    .filter(checkout_sessions::status.eq(SessionStatus::Open.as_str())),
            )
            .set((
                checkout_sessions::status.eq(to.as_str()),
                checkout_sessions::updated_at.eq(now),
            ))
            .execute(tx)
            .await?;
            if n == 1 {
                stock_moves::release(tx, &id.holder()).await?;
            }
            Ok(n == 1)
        })
        .await
        .map_err(store_error)
    }

    async fn expire_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let ids: Vec<uuid::Uuid> = diesel::update(
                checkout_sessions::table
                    .filter(checkout_sessions::status.eq(SessionStatus::Open.as_str()))
                    .filter(checkout_sessions::expires_at.le(now)),
            )
            .set((
                checkout_sessions::status.eq(SessionStatus::Expired.as_str()),
                checkout_sessions::updated_at.eq(now),
            ))
            .returning(checkout_sessions::id)
            .get_results(tx)
            .await?;
            for id in &ids {
                stock_moves::release(tx, &CheckoutId::from_uuid(*id).holder()).await?;
            }
            Ok(ids.len() as u64)
        })
        .await
        .map_err(store_error)
    }

    async fn next_order_number(&self) -> Result<i64, StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "nextval('order_numbers')",
        ))
        .get_result(&mut c)
        .await
        .map_err(store_error)
    }

    async fn place_order(&self, p: &Placement) -> Result<PlaceOutcome, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = order_row(&p.order);
        let result = c
            .transaction::<_, Abort<PlaceOutcome>, _>(async move |tx| {
                // The cart first (as opening a session does), then the session.
                if let Some(cart) = p.clear_cart {
                    lock_cart(tx, cart).await?;
                }
                if let Some(id) = p.session {
                    let found: Option<(String, Option<uuid::Uuid>, Timestamp)> =
                        checkout_sessions::table
                            .find(*id.as_uuid())
                            .select((
                                checkout_sessions::status,
                                checkout_sessions::order_id,
                                checkout_sessions::expires_at,
                            ))
                            .for_update()
                            .first(tx)
                            .await
                            .optional()?;
                    let Some((status, order_id, expires_at)) = found else {
                        return Err(Abort::With(PlaceOutcome::SessionClosed(
                            SessionStatus::Cancelled,
                        )));
                    };
                    let status = SessionStatus::parse(&status)
                        .ok_or_else(|| Abort::Db(decode("session status")))?;
                    merx_checkout::placeable(
                        status,
                        order_id.map(OrderId::from_uuid),
                        expires_at,
                        p.now,
                    )
                    .map_err(Abort::With)?;
                }
                let order = &p.order;
                if let Some(r) = &p.redemption
                    && !crate::pricing::redeem(tx, r, &order.id.to_string(), p.now).await?
                {
                    return Err(Abort::With(PlaceOutcome::DiscountUsedUp));
                }
                if order.stock_taken
                    && let Err(short) = stock_moves::take(
                        tx,
                        &p.holder,
                        &stock_lines(&order.items),
                        &stock_actor(order),
                        p.now,
                    )
                    .await?
                {
                    return Err(Abort::With(PlaceOutcome::Short(short)));
                }
                if let Some(cart) = p.clear_cart {
                    // The cart is spent: no other session of it may become an order.
                    cancel_open_sessions(tx, cart, p.session, p.now).await?;
                    diesel::delete(
                        cart_items::table.filter(cart_items::cart_id.eq(*cart.as_uuid())),
                    )
                    .execute(tx)
                    .await?;
                    diesel::update(carts::table.find(*cart.as_uuid()))
                        .set((
                            carts::discount_code.eq(None::<String>),
                            carts::updated_at.eq(p.now),
                        ))
                        .execute(tx)
                        .await?;
                }
                diesel::insert_into(orders::table)
                    .values(&row)
                    .execute(tx)
                    .await?;
                if let Some(id) = p.session {
                    diesel::update(checkout_sessions::table.find(*id.as_uuid()))
                        .set((
                            checkout_sessions::status.eq(SessionStatus::Complete.as_str()),
                            checkout_sessions::order_id.eq(Some(*order.id.as_uuid())),
                            checkout_sessions::updated_at.eq(p.now),
                        ))
                        .execute(tx)
                        .await?;
                }
                Ok(PlaceOutcome::Placed)
            })
            .await;
        finish(result)
    }

    async fn confirm_order(
        &self,
        id: OrderId,
        settlement: &Settlement,
        now: Timestamp,
    ) -> Result<OrderChange, StoreError> {
        let mut c = conn(&self.pool).await?;
        let result = c
            .transaction::<_, Abort<OrderChange>, _>(async move |tx| {
                let Some(mut order) = locked_order(tx, id).await? else {
                    return Ok(OrderChange::NotFound);
                };
                if !order.awaits_payment() {
                    return Ok(OrderChange::Refused(order.status));
                }
                if order.is_payment_overdue(now) {
                    return Ok(OrderChange::Expired);
                }
                let status = order.status;
                if order.confirm_payment(settlement, now).is_err() {
                    return Ok(OrderChange::Refused(status));
                }
                if let Err(short) = stock_moves::take(
                    tx,
                    &order.holder(),
                    &stock_lines(&order.items),
                    &stock_actor(&order),
                    now,
                )
                .await?
                {
                    return Err(Abort::With(OrderChange::Short(short)));
                }
                save_order(tx, &order).await?;
                Ok(OrderChange::Done(Box::new(order)))
            })
            .await;
        finish(result)
    }

    async fn cancel_order(
        &self,
        id: OrderId,
        reason: CancelReason,
        now: Timestamp,
    ) -> Result<OrderChange, StoreError> {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            Self::cancel_in(tx, id, reason, now, false).await
        })
        .await
        .map_err(store_error)
    }

    async fn cancel_unpaid_orders(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut c = conn(&self.pool).await?;
        let due: Vec<uuid::Uuid> = orders::table
            .filter(orders::status.eq(OrderStatus::Pending.as_str()))
            .filter(orders::payment_due_at.le(now))
            .select(orders::id)
            .limit(1000)
            .load(&mut c)
            .await
            .map_err(store_error)?;
        let mut n = 0;
        for id in due {
            let change = c
                .transaction::<_, DbError, _>(async move |tx| {
                    Self::cancel_in(
                        tx,
                        OrderId::from_uuid(id),
                        CancelReason::PaymentTimeout,
                        now,
                        true,
                    )
                    .await
                })
                .await
                .map_err(store_error)?;
            if matches!(change, OrderChange::Done(_)) {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[async_trait]
impl OrderRepository for PgCheckout {
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

    async fn update(&self, order: &Order, seen: Timestamp) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n = diesel::update(
            orders::table
                .find(*order.id.as_uuid())
                .filter(orders::updated_at.eq(seen)),
        )
        .set(&order_row(order))
        .execute(&mut c)
        .await
        .map_err(store_error)?;
        Ok(n == 1)
    }
}
