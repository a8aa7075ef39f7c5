//! Stock moves inside the caller's transaction: levels written with a new product, stock
//! leaving with an order and coming back when it is cancelled, the live holds of variants, and
//! the `sellable_variants` count kept beside them. Locks follow the catalog's order: product
//! rows, then stock rows, each in id order, so these never deadlock with catalog edits, admin
//! adjustments or reservations. The rules (what is short, how a level moves) are
//! `merx-inventory`'s; this file stores what they decide.

use std::collections::HashMap;

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use merx_catalog::InitialStock;
use merx_inventory::{
    Claim, ReservationLine, Shortage, StockAdjustment, StockLevel, StockSettings, merged, shortages,
};
use merx_kernel::{Timestamp, VariantId};
use merx_orders::outbound::Outbound;

use crate::schema::{products, stock_adjustments, stock_levels, stock_reservations, variants};

type DbError = diesel::result::Error;

/// Locks the variants' products and levels; the levels as stored (`reserved` left at 0).
pub(crate) async fn lock(
    tx: &mut AsyncPgConnection,
    ids: &[uuid::Uuid],
) -> Result<(Vec<uuid::Uuid>, Vec<StockLevel>), DbError> {
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
    let levels: Vec<LevelRow> = stock_levels::table
        .filter(stock_levels::variant_id.eq_any(ids))
        .order(stock_levels::variant_id)
        .select(LevelRow::as_select())
        .for_update()
        .load(tx)
        .await?;
    Ok((products, levels.into_iter().map(StockLevel::from).collect()))
}

/// Sets a level's on-hand count and records the move in the ledger: who changed it, why,
/// before and after (and the audit entry it links to, if any).
pub(crate) async fn change(tx: &mut AsyncPgConnection, m: &StockAdjustment) -> Result<(), DbError> {
    let variant = *m.variant_id.as_uuid();
    diesel::update(stock_levels::table.find(variant))
        .set((
            stock_levels::on_hand.eq(m.after),
            stock_levels::updated_at.eq(m.at),
        ))
        .execute(tx)
        .await?;
    diesel::insert_into(stock_adjustments::table)
        .values((
            stock_adjustments::variant_id.eq(variant),
            stock_adjustments::actor.eq(&m.actor),
            stock_adjustments::reason.eq(&m.reason),
            stock_adjustments::before.eq(m.before),
            stock_adjustments::after.eq(m.after),
            stock_adjustments::at.eq(m.at),
            stock_adjustments::audit_id.eq(m.audit_id),
        ))
        .execute(tx)
        .await?;
    Ok(())
}

/// Moves each level named by `lines` by its quantity times `sign`, with audit records, as
/// [`StockLevel::on_hand_after`] says (untracked levels stay).
async fn move_levels(
    tx: &mut AsyncPgConnection,
    levels: &[StockLevel],
    lines: &[ReservationLine],
    sign: i64,
    actor: &str,
    reason: &str,
    at: Timestamp,
) -> Result<(), DbError> {
    for level in levels {
        let Some(line) = lines.iter().find(|l| l.variant_id == level.variant_id) else {
            continue;
        };
        if let Some(after) = level.on_hand_after(sign.saturating_mul(line.quantity)) {
            let m = StockAdjustment {
                variant_id: level.variant_id,
                actor: actor.to_owned(),
                reason: reason.to_owned(),
                before: level.on_hand,
                after,
                at,
                audit_id: None,
            };
            change(tx, &m).await?;
        }
    }
    Ok(())
}

/// Takes the lines out of stock and deletes `holder`'s reservations, or changes nothing and
/// lists every line short for [`Claim::TakeHeld`].
/// Writes the outbox messages of a change of on-hand stock of `products` (those linked to
/// the storefront), in `tx`. Nothing is asked when the storefront is not configured.
pub(crate) async fn announce(
    tx: &mut AsyncPgConnection,
    outbound: Outbound,
    products: &[uuid::Uuid],
    at: Timestamp,
) -> Result<(), DbError> {
    if !outbound.woocommerce || products.is_empty() {
        return Ok(());
    }
    let linked = crate::sync_links::linked(tx, products).await?;
    crate::outbox::write(tx, &outbound.stock_changed(&linked, at)).await
}

pub(crate) async fn take(
    tx: &mut AsyncPgConnection,
    holder: &str,
    lines: &[ReservationLine],
    actor: &str,
    at: Timestamp,
    outbound: Outbound,
) -> Result<Result<(), Vec<Shortage>>, DbError> {
    let lines = merged(lines);
    let ids: Vec<uuid::Uuid> = lines.iter().map(|l| *l.variant_id.as_uuid()).collect();
    let (products, levels) = lock(tx, &ids).await?;
    let short = shortages(Claim::TakeHeld, &lines, &levels);
    if !short.is_empty() {
        return Ok(Err(short));
    }
    move_levels(tx, &levels, &lines, -1, actor, "order placed", at).await?;
    release(tx, holder).await?;
    announce(tx, outbound, &products, at).await?;
    for product in products {
        recount_sellable(tx, product).await?;
    }
    Ok(Ok(()))
}

/// Returns the lines to stock (variants that still exist).
pub(crate) async fn put_back(
    tx: &mut AsyncPgConnection,
    lines: &[ReservationLine],
    actor: &str,
    at: Timestamp,
    outbound: Outbound,
) -> Result<(), DbError> {
    let lines = merged(lines);
    let ids: Vec<uuid::Uuid> = lines.iter().map(|l| *l.variant_id.as_uuid()).collect();
    let (products, levels) = lock(tx, &ids).await?;
    move_levels(tx, &levels, &lines, 1, actor, "order cancelled", at).await?;
    announce(tx, outbound, &products, at).await?;
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

#[derive(Queryable, Selectable)]
#[diesel(table_name = stock_levels, check_for_backend(Pg))]
pub(crate) struct LevelRow {
    pub(crate) variant_id: uuid::Uuid,
    on_hand: i64,
    track_inventory: bool,
    low_stock_threshold: i64,
    updated_at: Timestamp,
}

impl From<LevelRow> for StockLevel {
    fn from(r: LevelRow) -> Self {
        Self {
            variant_id: VariantId::from_uuid(r.variant_id),
            on_hand: r.on_hand,
            reserved: 0,
            settings: StockSettings {
                track_inventory: r.track_inventory,
                low_stock_threshold: r.low_stock_threshold,
            },
            updated_at: r.updated_at,
        }
    }
}

/// The levels with `reserved` set from `held` (as [`live_reservations`] sums them).
pub(crate) fn counting_holds(
    rows: Vec<LevelRow>,
    held: &HashMap<uuid::Uuid, i64>,
) -> Vec<StockLevel> {
    rows.into_iter()
        .map(|row| {
            let reserved = held.get(&row.variant_id).copied().unwrap_or(0);
            StockLevel {
                reserved,
                ..StockLevel::from(row)
            }
        })
        .collect()
}

/// Units held by reservations live at `now`, per variant, leaving out `except`'s.
pub(crate) async fn live_reservations(
    c: &mut AsyncPgConnection,
    ids: &[uuid::Uuid],
    now: Timestamp,
    except: &[&str],
) -> Result<HashMap<uuid::Uuid, i64>, DbError> {
    let mut query = stock_reservations::table
        .filter(stock_reservations::variant_id.eq_any(ids))
        .filter(stock_reservations::expires_at.gt(now))
        .group_by(stock_reservations::variant_id)
        .select((
            stock_reservations::variant_id,
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "SUM(quantity)::BIGINT",
            ),
        ))
        .into_boxed();
    if !except.is_empty() {
        let except: Vec<String> = except.iter().map(|h| (*h).to_owned()).collect();
        query = query.filter(stock_reservations::holder.ne_all(except));
    }
    let sums: Vec<(uuid::Uuid, Option<i64>)> = query.load(c).await?;
    Ok(sums.into_iter().map(|(v, n)| (v, n.unwrap_or(0))).collect())
}

/// Recounts the product's sellable variants (the `in_stock` filter's column). Callers hold the
/// product row's lock (they updated it, or locked it first), so concurrent stock changes of one
/// product recount one after the other and each sees the previous one's result.
pub(crate) async fn recount_sellable(
    tx: &mut AsyncPgConnection,
    product: uuid::Uuid,
) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE products SET sellable_variants = (\
             SELECT count(*) FROM variants v JOIN stock_levels s ON s.variant_id = v.id \
             WHERE v.product_id = $1 AND (s.on_hand > 0 OR NOT s.track_inventory)) \
         WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(product)
    .execute(tx)
    .await?;
    Ok(())
}

pub(crate) async fn insert_stock(
    tx: &mut AsyncPgConnection,
    stock: &[(VariantId, InitialStock)],
    at: Timestamp,
) -> Result<(), DbError> {
    let rows: Vec<_> = stock
        .iter()
        .map(|(id, s)| {
            (
                stock_levels::variant_id.eq(*id.as_uuid()),
                stock_levels::on_hand.eq(s.on_hand),
                stock_levels::track_inventory.eq(s.track_inventory),
                stock_levels::low_stock_threshold.eq(s.low_stock_threshold),
                stock_levels::updated_at.eq(at),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(stock_levels::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(tx)
            .await?;
    }
    Ok(())
}
