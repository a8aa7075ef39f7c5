//! Provider events in Postgres: the event's row and its effect in one transaction. The row's
//! primary key `(provider, event_id)` makes a repeat, or the same event on another instance
//! at the same moment, wait for the first and then change nothing.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_checkout::{
    CheckoutId, CheckoutSession, EventApplied, EventEffect, OrderChange, PlaceOutcome,
    ProviderEvent, SessionStatus,
};
use merx_kernel::{StoreError, Timestamp};
use merx_orders::outbound::Outbound;
use merx_orders::{Order, OrderId};

use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::order_writes::{confirm_in, place_in};
use crate::orders::{locked_order, save_order};
use crate::schema::{checkout_sessions, orders, payment_events};
use crate::session_rows::{SessionColumns, session_of};
use crate::stock_moves;
use crate::transaction::{Abort, finish};

type DbError = diesel::result::Error;

/// Records `event` and applies `effect` in one transaction (see
/// [`merx_checkout::CheckoutStore::apply_event`]).
pub(crate) async fn apply(
    pool: &PgPool,
    event: &ProviderEvent,
    effect: &EventEffect,
    now: Timestamp,
    outbound: Outbound,
) -> Result<EventApplied, StoreError> {
    let mut c = conn(pool).await?;
    let result = c
        .transaction::<_, Abort<EventApplied>, _>(async move |tx| {
            let recorded = diesel::insert_into(payment_events::table)
                .values((
                    payment_events::provider.eq(&event.provider),
                    payment_events::event_id.eq(&event.event_id),
                    payment_events::kind.eq(&event.kind),
                    payment_events::received_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute(tx)
                .await?;
            if recorded == 0 {
                return Err(Abort::With(EventApplied::Duplicate));
            }
            effect_in(tx, effect, now, outbound).await
        })
        .await;
    finish(result)
}

async fn effect_in(
    tx: &mut AsyncPgConnection,
    effect: &EventEffect,
    now: Timestamp,
    outbound: Outbound,
) -> Result<EventApplied, Abort<EventApplied>> {
    let refused_place = |a: Abort<PlaceOutcome>| match a {
        Abort::With(o) => Abort::With(EventApplied::PlaceRefused(o)),
        Abort::Db(e) => Abort::Db(e),
    };
    let refused_order = |a: Abort<OrderChange>| match a {
        Abort::With(o) => Abort::With(EventApplied::OrderRefused(o)),
        Abort::Db(e) => Abort::Db(e),
    };
    match effect {
        EventEffect::Record => Ok(EventApplied::Applied(None)),
        EventEffect::Place(p) => {
            place_in(tx, p, outbound).await.map_err(refused_place)?;
            Ok(EventApplied::Applied(Some(Box::new(p.order.clone()))))
        }
        EventEffect::ExpireSession(id) => {
            expire_session(tx, *id, now).await?;
            Ok(EventApplied::Applied(None))
        }
        EventEffect::ConfirmOrder {
            order,
            settlement,
            late,
        } => {
            let order = confirm_in(tx, *order, settlement, now, *late, None, outbound)
                .await
                .map_err(refused_order)?;
            Ok(EventApplied::Applied(Some(Box::new(order))))
        }
        EventEffect::Flag { order, flag } => {
            Ok(edit(tx, *order, outbound, |o| o.flag(*flag, now)).await?)
        }
        EventEffect::PaymentFailed(order) => {
            Ok(edit(tx, *order, outbound, |o| o.payment_failed(now)).await?)
        }
        EventEffect::LatePayment { order, paid } => {
            Ok(edit(tx, *order, outbound, |o| o.accept_late_payment(*paid, now)).await?)
        }
        EventEffect::ProviderRefund {
            order,
            refunded_total,
            refund_ref,
        } => {
            let Some(mut o) = locked_order(tx, *order).await? else {
                return Ok(EventApplied::Applied(None));
            };
            let before = o.clone();
            let Some(refund) = o.provider_refund(*refunded_total, refund_ref.clone(), now) else {
                return Ok(EventApplied::Applied(None));
            };
            crate::refunds::insert(tx, &refund, outbound, now).await?;
            save_order(tx, &before, &o, outbound).await?;
            Ok(EventApplied::Applied(Some(Box::new(o))))
        }
    }
}

/// Changes one order under its row lock by `change` (which answers whether it did anything).
async fn edit(
    tx: &mut AsyncPgConnection,
    id: OrderId,
    outbound: Outbound,
    change: impl FnOnce(&mut Order) -> bool,
) -> Result<EventApplied, DbError> {
    let Some(mut order) = locked_order(tx, id).await? else {
        return Ok(EventApplied::Applied(None));
    };
    let before = order.clone();
    if !change(&mut order) {
        return Ok(EventApplied::Applied(None));
    }
    save_order(tx, &before, &order, outbound).await?;
    Ok(EventApplied::Applied(Some(Box::new(order))))
}

async fn expire_session(
    tx: &mut AsyncPgConnection,
    id: CheckoutId,
    now: Timestamp,
) -> Result<(), DbError> {
    let n = diesel::update(
        checkout_sessions::table
            .find(*id.as_uuid())
            .filter(checkout_sessions::status.eq(SessionStatus::Open.as_str())),
    )
    .set((
        checkout_sessions::status.eq(SessionStatus::Expired.as_str()),
        checkout_sessions::updated_at.eq(now),
    ))
    .execute(tx)
    .await?;
    if n == 1 {
        stock_moves::release(tx, &id.holder()).await?;
    }
    Ok(())
}

pub(crate) async fn order_by_payment_ref(
    pool: &PgPool,
    payment_ref: &str,
) -> Result<Option<OrderId>, StoreError> {
    let mut c = conn(pool).await?;
    let id: Option<uuid::Uuid> = orders::table
        .filter(orders::payment_provider_ref.eq(payment_ref))
        .select(orders::id)
        .first(&mut c)
        .await
        .optional()
        .map_err(store_error)?;
    Ok(id.map(OrderId::from_uuid))
}

pub(crate) async fn due_provider_sessions(
    pool: &PgPool,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<CheckoutSession>, StoreError> {
    let mut c = conn(pool).await?;
    let rows: Vec<SessionColumns> = checkout_sessions::table
        .filter(checkout_sessions::status.eq(SessionStatus::Open.as_str()))
        .filter(checkout_sessions::expires_at.le(now))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "body -> 'payment' ->> 'provider_ref' IS NOT NULL",
        ))
        .select((
            checkout_sessions::status,
            checkout_sessions::order_id,
            checkout_sessions::updated_at,
            checkout_sessions::body,
        ))
        .limit(limit)
        .load(&mut c)
        .await
        .map_err(store_error)?;
    rows.into_iter()
        .map(session_of)
        .collect::<Result<_, _>>()
        .map_err(store_error)
}
