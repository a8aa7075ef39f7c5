//! The transactions that write orders (placing one, confirming a paid one), shared by the
//! checkout store and provider events. Each write that spans orders, stock, discounts and carts
//! locks what it changes first (the cart, then the session or order row) and the stock rows,
//! through `stock_moves`, last.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use merx_cart::CartId;
use merx_checkout::{
    CheckoutId, OrderChange, PlaceOutcome, Placement, SessionStatus, confirm_payment_of,
    stock_actor, stock_lines,
};
use merx_kernel::{AuditEntry, Timestamp};
use merx_orders::outbound::Outbound;
use merx_orders::{Order, OrderId, Settlement};

use crate::audit_log::record;
use crate::error::decode;
use crate::orders::{locked_order, order_row, save_order};
use crate::schema::{checkout_sessions, orders};
use crate::stock_moves;
use crate::transaction::Abort;

type DbError = diesel::result::Error;

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
        "WITH lines AS (DELETE FROM cart_items WHERE cart_id = $1), \
              spent AS (UPDATE cart_milestones SET ordered_at = $2 \
                        WHERE cart_id = $1 AND ordered_at IS NULL) \
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
/// [`merx_checkout::CheckoutStore::place_order`]). Anything but success is an [`Abort`]: roll
/// back. The stock rows are locked last, so a hot variant's row is held for two statements, not
/// the whole placement.
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
