//! Checkout sessions, orders' cancellations and refunds, in Postgres. The transactions that
//! place and confirm orders are in `order_writes`, provider events in `payment_events`.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_cart::CartId;
use merx_checkout::{
    CheckoutId, CheckoutSession, CheckoutStore, EventApplied, EventEffect, OrderChange,
    PlaceOutcome, Placement, ProviderEvent, RefundAsk, RefundBegun, RefundOutcome, SessionStatus,
    stock_actor, stock_lines,
};
use merx_kernel::{AuditEntry, StoreError, Timestamp};
use merx_orders::{CancelReason, OrderId, OrderStatus, Refund, RefundId, RefundStatus, Settlement};

use crate::audit_log::record;
use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::order_writes::{confirm_in, place_in};
use crate::orders::{locked_order, save_order};
use crate::schema::{checkout_sessions, orders};
use crate::session_rows::{SessionColumns, session_of};
use crate::stock_moves;
use crate::transaction::{Abort, finish};
use merx_orders::outbound::Outbound;

type DbError = diesel::result::Error;

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
             INSERT INTO checkout_sessions (id, cart_id, status, expires_at, order_id, updated_at, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $9, $10) \
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
        .bind::<Timestamptz, _>(s.created_at)
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
