//! Stock leaving with an order and coming back when it is cancelled, inside the caller's
//! transaction. Locks follow the catalog's order: product rows, then stock rows, each in id
//! order, so these never deadlock with catalog edits, admin adjustments or reservations.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use merx_inventory::{ReservationLine, Shortage, merged};
use merx_kernel::{Timestamp, VariantId};

use crate::catalog::recount_sellable;
use crate::schema::{products, stock_adjustments, stock_levels, stock_reservations, variants};

type DbError = diesel::result::Error;

/// Locks the variants' products and levels; the levels as (variant, on hand, tracked).
pub(crate) async fn lock(
    tx: &mut AsyncPgConnection,
    ids: &[uuid::Uuid],
) -> Result<(Vec<uuid::Uuid>, Vec<(uuid::Uuid, i64, bool)>), DbError> {
    let products: Vec<uuid::Uuid> = products::table
        .filter(
            products::id.eq_any(
                variants::table
                    .filter(variants::id.eq_any(ids))
                    .select(variants::product_id),
            ),
        )
        .order(products::id)
        .select(products::id)
        .for_update()
        .load(tx)
        .await?;
    let levels = stock_levels::table
        .filter(stock_levels::variant_id.eq_any(ids))
        .order(stock_levels::variant_id)
        .select((
            stock_levels::variant_id,
            stock_levels::on_hand,
            stock_levels::track_inventory,
        ))
        .for_update()
        .load(tx)
        .await?;
    Ok((products, levels))
}

/// Sets a level's on-hand count and records who changed it, why, before and after.
pub(crate) async fn change(
    tx: &mut AsyncPgConnection,
    variant: uuid::Uuid,
    before: i64,
    after: i64,
    actor: &str,
    reason: &str,
    at: Timestamp,
) -> Result<(), DbError> {
    diesel::update(stock_levels::table.find(variant))
        .set((
            stock_levels::on_hand.eq(after),
            stock_levels::updated_at.eq(at),
        ))
        .execute(tx)
        .await?;
    diesel::insert_into(stock_adjustments::table)
        .values((
            stock_adjustments::variant_id.eq(variant),
            stock_adjustments::actor.eq(actor),
            stock_adjustments::reason.eq(reason),
            stock_adjustments::before.eq(before),
            stock_adjustments::after.eq(after),
            stock_adjustments::at.eq(at),
        ))
        .execute(tx)
        .await?;
    Ok(())
}

/// Takes the lines out of stock and deletes `holder`'s reservations, or changes nothing and
/// lists every tracked line with less on hand than it takes.
pub(crate) async fn take(
    tx: &mut AsyncPgConnection,
    holder: &str,
    lines: &[ReservationLine],
    actor: &str,
    at: Timestamp,
) -> Result<Result<(), Vec<Shortage>>, DbError> {
    let lines = merged(lines);
    let ids: Vec<uuid::Uuid> = lines.iter().map(|l| *l.variant_id.as_uuid()).collect();
    let (products, levels) = lock(tx, &ids).await?;
    let mut short = Vec::new();
    for line in &lines {
        let level = levels
            .iter()
            .find(|(v, _, _)| v == line.variant_id.as_uuid());
        let on_hand = match level {
            Some((_, _, false)) => continue,
            Some((_, on_hand, true)) => *on_hand,
            None => 0,
        };
        if on_hand < line.quantity {
            short.push(Shortage {
                variant_id: line.variant_id,
                available: on_hand,
                requested: line.quantity,
            });
        }
    }
    if !short.is_empty() {
        return Ok(Err(short));
    }
    for (variant, on_hand, tracked) in &levels {
        let Some(line) = lines.iter().find(|l| l.variant_id.as_uuid() == variant) else {
            continue;
        };
        if *tracked {
            let after = on_hand - line.quantity;
            change(tx, *variant, *on_hand, after, actor, "order placed", at).await?;
        }
    }
    diesel::delete(stock_reservations::table.filter(stock_reservations::holder.eq(holder)))
        .execute(tx)
        .await?;
    for product in products {
        recount_sellable(tx, product).await?;
    }
    Ok(Ok(()))
}

/// Returns the lines to stock (tracked variants that still exist).
pub(crate) async fn put_back(
    tx: &mut AsyncPgConnection,
    lines: &[ReservationLine],
    actor: &str,
    at: Timestamp,
) -> Result<(), DbError> {
    let lines = merged(lines);
    let ids: Vec<uuid::Uuid> = lines.iter().map(|l| *l.variant_id.as_uuid()).collect();
    let (products, levels) = lock(tx, &ids).await?;
    for (variant, on_hand, tracked) in &levels {
        let Some(line) = lines
            .iter()
            .find(|l| l.variant_id == VariantId::from_uuid(*variant))
        else {
            continue;
        };
        if *tracked {
            let after = on_hand.saturating_add(line.quantity);
            change(tx, *variant, *on_hand, after, actor, "order cancelled", at).await?;
        }
    }
    for product in products {
        recount_sellable(tx, product).await?;
    }
    Ok(())
}

/// Deletes `holder`'s reservations.
pub(crate) async fn release(tx: &mut AsyncPgConnection, holder: &str) -> Result<(), DbError> {
    diesel::delete(stock_reservations::table.filter(stock_reservations::holder.eq(holder)))
        .execute(tx)
        .await?;
    Ok(())
}
