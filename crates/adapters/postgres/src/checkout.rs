//! Checkout sessions, and the transactions that write orders, in Postgres. Each write that
//! spans orders, stock, discounts and carts is one transaction that locks what it changes first
//! (the cart, then the session or order row) and the stock rows, through `stock_moves`, last.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_cart::CartId;
use merx_checkout::{
    CheckoutId, CheckoutSession, CheckoutStore, EventApplied, EventEffect, OrderChange,
    PlaceOutcome, Placement, ProviderEvent, RefundAsk, RefundBegun, RefundOutcome, SessionStatus,
    confirm_payment_of, stock_actor, stock_lines,
};
use merx_kernel::{AuditEntry, StoreError, Timestamp};
use merx_orders::{
    CancelReason, Order, OrderId, OrderStatus, Refund, RefundId, RefundStatus, Settlement,
};

use crate::audit_log::record;
use crate::database::{PgPool, conn};
use crate::error::{decode, store_error};
use crate::orders::{locked_order, order_row, save_order};
use crate::schema::{checkout_sessions, orders};
use crate::stock_moves;
use merx_orders::outbound::Outbound;

type DbError = diesel::result::Error;

/// Ends a transaction early: roll back and answer `T`, or fail.
pub(crate) enum Abort<T> {
    With(T),
    Db(DbError),
}

impl<T> From<DbError> for Abort<T> {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

pub(crate) fn finish<T>(result: Result<T, Abort<T>>) -> Result<T, StoreError> {
    match result {
        Ok(t) | Err(Abort::With(t)) => Ok(t),
        Err(Abort::Db(e)) => Err(store_error(e)),
    }
}

pub(crate) type SessionColumns = (String, Option<uuid::Uuid>, Timestamp, serde_json::Value);

pub(crate) fn session_of(cols: SessionColumns) -> Result<CheckoutSession, DbError> {
    let (status, order_id, updated_at, body) = cols;
    let mut s: CheckoutSession = serde_json::from_value(body).map_err(decode)?;
    s.status = SessionStatus::parse(&status).ok_or_else(|| decode("session status"))?;
    s.order_id = order_id.map(OrderId::from_uuid);
    s.updated_at = updated_at;
    Ok(s)
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

/// Empties a placed cart (lines and code), locking its row as opening a session does; whether
/// the cart has open sessions besides `keep` (usually not: then nothing more is written).
async fn spend_cart(
    tx: &mut AsyncPgConnection,
    cart: CartId,
    keep: Option<CheckoutId>,
    now: Timestamp,
) -> Result<bool, DbError> {
    use diesel::sql_types::{Bool, Nullable, Timestamptz, Uuid};
    #[derive(QueryableByName)]
    struct Spent {
        #[diesel(sql_type = Bool)]
        others_open: bool,
    }
    let spent: Option<Spent> = diesel::sql_query(
        "WITH lines AS (DELETE FROM cart_items WHERE cart_id = $1) \
         UPDATE carts SET discount_code = NULL, updated_at = $2 WHERE id = $1 \
         RETURNING EXISTS (SELECT 1 FROM checkout_sessions \
             WHERE cart_id = $1 AND status = 'open' AND id IS DISTINCT FROM $3) AS others_open",
    )
    .bind::<Uuid, _>(*cart.as_uuid())
    .bind::<Timestamptz, _>(now)
    .bind::<Nullable<Uuid>, _>(keep.map(|k| *k.as_uuid()))
    .get_result(tx)
    .await
    .optional()?;
    Ok(spent.is_some_and(|s| s.others_open))
}

/// Marks the session complete with the order, under its row lock, and answers what it was
/// before (status, order, expiry) for the caller to judge; `None` when there is no session.
async fn claim_session(
    tx: &mut AsyncPgConnection,
    id: CheckoutId,
    order: OrderId,
    now: Timestamp,
) -> Result<Option<(String, Option<uuid::Uuid>, Timestamp)>, DbError> {
    use diesel::sql_types::{Text, Timestamptz, Uuid};
    #[derive(QueryableByName)]
    struct Before {
        #[diesel(sql_type = Text)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<Uuid>)]
        order_id: Option<uuid::Uuid>,
        #[diesel(sql_type = Timestamptz)]
        expires_at: Timestamp,
    }
    let before: Option<Before> = diesel::sql_query(
        "UPDATE checkout_sessions s SET status = $2, order_id = $3, updated_at = $4 \
         FROM (SELECT id, status, order_id, expires_at FROM checkout_sessions \
               WHERE id = $1 FOR UPDATE) before \
         WHERE s.id = before.id \
         RETURNING before.status, before.order_id, before.expires_at",
    )
    .bind::<Uuid, _>(*id.as_uuid())
    .bind::<Text, _>(SessionStatus::Complete.as_str())
    .bind::<Uuid, _>(*order.as_uuid())
    .bind::<Timestamptz, _>(now)
    .get_result(tx)
    .await
    .optional()?;
    Ok(before.map(|b| (b.status, b.order_id, b.expires_at)))
}

/// Writes a placement's order with everything that goes with it, in `tx` (see
/// [`CheckoutStore::place_order`]). Anything but success is an [`Abort`]: roll back. The stock
/// rows are locked last, so a hot variant's row is held for two statements, not the whole
/// placement.
pub(crate) async fn place_in(
    tx: &mut AsyncPgConnection,
    p: &Placement,
    outbound: Outbound,
) -> Result<(), Abort<PlaceOutcome>> {
    let row = order_row(&p.order);
    let order = &p.order;
    // The cart first (as opening a session does), then the session.
    let others_open = match p.clear_cart {
        Some(cart) => spend_cart(tx, cart, p.session, p.now).await?,
        None => false,
    };
    if let Some(id) = p.session {
        let Some((status, order_id, expires_at)) = claim_session(tx, id, order.id, p.now).await?
        else {
            return Err(Abort::With(PlaceOutcome::SessionClosed(
                SessionStatus::Cancelled,
            )));
        };
        let status =
            SessionStatus::parse(&status).ok_or_else(|| Abort::Db(decode("session status")))?;
        let order_id = order_id.map(OrderId::from_uuid);
        if p.late_payment {
            merx_checkout::placeable_late(status, order_id)
        } else {
            merx_checkout::placeable(status, order_id, expires_at, p.now)
        }
        .map_err(Abort::With)?;
    }
    if let Some(cart) = p.clear_cart
        && others_open
    {
        // The cart is spent: no other session of it may become an order.
        cancel_open_sessions(tx, cart, p.session, p.now).await?;
    }
    if let Some(r) = &p.redemption
        && !crate::pricing::redeem(tx, r, &order.id.to_string(), p.now).await?
    {
        return Err(Abort::With(PlaceOutcome::DiscountUsedUp));
    }
    diesel::insert_into(orders::table)
        .values(&row)
        .execute(tx)
        .await?;
    crate::outbox::write(tx, &outbound.order_changed(None, order, p.now)).await?;
    if order.stock_taken {
        if let Err(short) = stock_moves::take(
            tx,
            &p.holder,
            &stock_lines(&order.items),
            &stock_actor(order),
            p.now,
            outbound,
        )
        .await?
        {
            return Err(Abort::With(PlaceOutcome::Short(short)));
        }
    } else if p.session.is_some() {
        // A session's order never leaves its hold behind.
        stock_moves::release(tx, &p.holder).await?;
    }
    Ok(())
}

/// Confirms a paid order under its row lock in `tx` ([`confirm_payment_of`]); its held units
/// are taken unless they already were.
pub(crate) async fn confirm_in(
    tx: &mut AsyncPgConnection,
    id: OrderId,
    settlement: &Settlement,
    now: Timestamp,
    late: bool,
    audit: Option<AuditEntry>,
    outbound: Outbound,
) -> Result<Order, Abort<OrderChange>> {
    let Some(mut order) = locked_order(tx, id).await? else {
        return Err(Abort::With(OrderChange::NotFound));
    };
    let before = order.clone();
    let take = confirm_payment_of(&mut order, settlement, now, late).map_err(Abort::With)?;
    if take
        && let Err(short) = stock_moves::take(
            tx,
            &order.holder(),
            &stock_lines(&order.items),
            &stock_actor(&order),
            now,
            outbound,
        )
        .await?
    {
        return Err(Abort::With(OrderChange::Short(short)));
    }
    save_order(tx, &before, &order, outbound).await?;
    record(tx, merx_orders::completed_audit(audit, &before, &order)).await?;
    Ok(order)
}

/// Checkout sessions and order placement on a pool.
#[derive(Clone)]
pub struct PgCheckout {
    pool: PgPool,
    outbound: Outbound,
}

impl PgCheckout {
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

    /// Cancels one order in its own transaction, under its row lock.
    async fn cancel_in(
        tx: &mut AsyncPgConnection,
        id: OrderId,
        reason: CancelReason,
        now: Timestamp,
        only_unpaid_due: bool,
        audit: Option<AuditEntry>,
        outbound: Outbound,
    ) -> Result<OrderChange, DbError> {
        let Some(mut order) = locked_order(tx, id).await? else {
            return Ok(OrderChange::NotFound);
        };
        let before = order.clone();
        if only_unpaid_due && !order.is_payment_overdue(now) {
            return Ok(OrderChange::Refused(order.status));
        }
        let status = order.status;
        let Ok(undo) = order.cancel(reason, now) else {
            return Ok(OrderChange::Refused(status));
        };
        if undo.returns_stock {
            stock_moves::put_back(
                tx,
                &stock_lines(&order.items),
                &stock_actor(&order),
                now,
                outbound,
            )
            .await?;
        } else {
            stock_moves::release(tx, &order.holder()).await?;
        }
        if undo.gives_back_discount {
            crate::pricing::unredeem(tx, &order.id.to_string()).await?;
        }
        save_order(tx, &before, &order, outbound).await?;
        record(tx, merx_orders::completed_audit(audit, &before, &order)).await?;
        Ok(OrderChange::Done(Box::new(order)))
    }
}

#[async_trait]
impl CheckoutStore for PgCheckout {
    async fn insert_session(&self, s: &CheckoutSession) -> Result<Vec<CheckoutId>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let body = serde_json::to_value(s).map_err(StoreError::other)?;
        // One statement: the cart's other open sessions are cancelled and their holds
        // deleted as this one is stored. Two opened at the same instant may both stay open;
        // the first confirmed cancels the other (the cart is spent), and holds expire anyway.
        use diesel::sql_types::{Array, Jsonb, Nullable, Text, Timestamptz, Uuid};
        #[derive(QueryableByName)]
        struct Cancelled {
            #[diesel(sql_type = Array<Uuid>, column_name = cancelled)]
            ids: Vec<uuid::Uuid>,
        }
        let cancelled = diesel::sql_query(
            "WITH others AS (\
                 UPDATE checkout_sessions SET status = $7, updated_at = $6 \
                 WHERE cart_id = $2 AND status = $3 AND id <> $1 RETURNING id), \
             freed AS (\
                 DELETE FROM stock_reservations \
                 WHERE holder IN (SELECT $8 || id::text FROM others)) \
             INSERT INTO checkout_sessions (id, cart_id, status, expires_at, order_id, updated_at, body) \
             VALUES ($1, $2, $3, $4, $5, $6, $9) \
             RETURNING ARRAY(SELECT id FROM others) AS cancelled",
        )
        .bind::<Uuid, _>(*s.id.as_uuid())
        .bind::<Uuid, _>(*s.cart_id.as_uuid())
        .bind::<Text, _>(s.status.as_str())
        .bind::<Timestamptz, _>(s.expires_at)
        .bind::<Nullable<Uuid>, _>(s.order_id.map(|o| *o.as_uuid()))
        .bind::<Timestamptz, _>(s.updated_at)
        .bind::<Text, _>(SessionStatus::Cancelled.as_str())
        .bind::<Text, _>(CheckoutId::HOLDER_PREFIX)
        .bind::<Jsonb, _>(body)
        .get_result::<Cancelled>(&mut c)
        .await
        .map_err(store_error)?;
        Ok(cancelled
            .ids
            .into_iter()
            .map(CheckoutId::from_uuid)
            .collect())
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
        let outbound = self.outbound;
        let result = c
            .transaction::<_, Abort<PlaceOutcome>, _>(async move |tx| {
                place_in(tx, p, outbound).await?;
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
        audit: Option<AuditEntry>,
    ) -> Result<OrderChange, StoreError> {
        let mut c = conn(&self.pool).await?;
        let outbound = self.outbound;
        let result = c
            .transaction::<_, Abort<OrderChange>, _>(async move |tx| {
                let order = confirm_in(tx, id, settlement, now, false, audit, outbound).await?;
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
        audit: Option<AuditEntry>,
    ) -> Result<OrderChange, StoreError> {
        let mut c = conn(&self.pool).await?;
        let outbound = self.outbound;
        c.transaction::<_, DbError, _>(async move |tx| {
            Self::cancel_in(tx, id, reason, now, false, audit, outbound).await
        })
        .await
        .map_err(store_error)
    }

    async fn begin_refund(
        &self,
        id: OrderId,
        ask: &RefundAsk,
        now: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<RefundBegun, StoreError> {
        let mut c = conn(&self.pool).await?;
        let outbound = self.outbound;
        let ask = ask.clone();
        let result = c
            .transaction::<_, Abort<RefundBegun>, _>(async move |tx| {
                let Some(mut order) = locked_order(tx, id).await? else {
                    return Ok(RefundBegun::NotFound);
                };
                let before = order.clone();
                let refund = order
                    .begin_refund(ask.amount, ask.reason.clone(), ask.restock, now)
                    .map_err(|why| Abort::With(RefundBegun::Refused(why)))?;
                if refund.restocked {
                    stock_moves::put_back(
                        tx,
                        &stock_lines(&order.items),
                        &stock_actor(&order),
                        now,
                        outbound,
                    )
                    .await?;
                }
                crate::refunds::insert(tx, &refund, outbound, now).await?;
                save_order(tx, &before, &order, outbound).await?;
                record(tx, merx_orders::completed_audit(audit, &before, &order)).await?;
                Ok(RefundBegun::Begun {
                    refund,
                    order: Box::new(order),
                })
            })
            .await;
        finish(result)
    }

    async fn finish_refund(
        &self,
        refund: RefundId,
        outcome: &RefundOutcome,
        now: Timestamp,
    ) -> Result<Option<Refund>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let outbound = self.outbound;
        let outcome = outcome.clone();
        c.transaction::<_, DbError, _>(async move |tx| {
            let Some(mut stored) = crate::refunds::locked(tx, refund).await? else {
                return Ok(None);
            };
            if stored.status != RefundStatus::Pending {
                return Ok(Some(stored));
            }
            match outcome {
                RefundOutcome::Succeeded(provider_ref) => {
                    stored.status = RefundStatus::Succeeded;
                    stored.provider_ref = provider_ref;
                }
                RefundOutcome::Failed => {
                    stored.status = RefundStatus::Failed;
                    if let Some(mut order) = locked_order(tx, stored.order_id).await? {
                        let before = order.clone();
                        order.refund_failed(&stored, now);
                        save_order(tx, &before, &order, outbound).await?;
                    }
                }
            }
            crate::refunds::save(tx, &stored, outbound, now).await?;
            Ok(Some(stored))
        })
        .await
        .map_err(store_error)
    }

    async fn refunds(&self, id: OrderId) -> Result<Vec<Refund>, StoreError> {
        let mut c = conn(&self.pool).await?;
        crate::refunds::of_order(&mut c, id)
            .await
            .map_err(store_error)
    }

    async fn apply_event(
        &self,
        event: &ProviderEvent,
        effect: &EventEffect,
        now: Timestamp,
    ) -> Result<EventApplied, StoreError> {
        crate::payment_events::apply(&self.pool, event, effect, now, self.outbound).await
    }

    async fn order_by_payment_ref(&self, payment_ref: &str) -> Result<Option<OrderId>, StoreError> {
        crate::payment_events::order_by_payment_ref(&self.pool, payment_ref).await
    }

    async fn due_provider_sessions(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<CheckoutSession>, StoreError> {
        crate::payment_events::due_provider_sessions(&self.pool, now, limit).await
    }

    async fn cancel_unpaid_orders(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut c = conn(&self.pool).await?;
        let outbound = self.outbound;
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
                        None,
                        outbound,
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
