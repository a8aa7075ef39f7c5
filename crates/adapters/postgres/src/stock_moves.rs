//! Stock moves inside the caller's transaction: levels written with a new product, stock
//! leaving with an order and coming back when it is cancelled, the live holds of variants, and
//! the `sellable_variants` count kept beside them. Stock rows are locked in id order (as
//! reservations lock them); a product row only when one of its variants crosses zero. The rules (what is short, how a level moves) are
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

use crate::schema::{stock_levels, stock_reservations};

type DbError = diesel::result::Error;

/// A locked level and the product its variant belongs to.
#[derive(QueryableByName)]
struct LockedLevel {
    #[diesel(embed)]
    level: LevelRow,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    product_id: uuid::Uuid,
}

/// The levels of `ids` as stored (`reserved` left at 0), locked in id order, each with its
/// product. Only stock rows are locked: product rows are touched only when a variant stops or
/// starts being sellable ([`count_sellable`]), so sales of one product do not queue on it.
pub(crate) async fn lock(
    tx: &mut AsyncPgConnection,
    ids: &[uuid::Uuid],
) -> Result<Vec<(StockLevel, uuid::Uuid)>, DbError> {
    let rows: Vec<LockedLevel> = diesel::sql_query(
        "SELECT s.variant_id, s.on_hand, s.track_inventory, s.low_stock_threshold, s.updated_at, \
                v.product_id \
         FROM stock_levels s JOIN variants v ON v.id = s.variant_id \
         WHERE s.variant_id = ANY($1) ORDER BY s.variant_id FOR UPDATE OF s",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids)
    .load(tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (StockLevel::from(r.level), r.product_id))
        .collect())
}

/// Writes the moves' new on-hand counts and their ledger rows, and deletes `holder`'s
/// reservations: one statement, however many lines.
pub(crate) async fn apply(
    tx: &mut AsyncPgConnection,
    moves: &[StockAdjustment],
    holder: Option<&str>,
) -> Result<(), DbError> {
    use diesel::sql_types::{Array, BigInt, Nullable, Text, Timestamptz, Uuid};
    if moves.is_empty() && holder.is_none() {
        return Ok(());
    }
    let ids: Vec<uuid::Uuid> = moves.iter().map(|m| *m.variant_id.as_uuid()).collect();
    let actors: Vec<&str> = moves.iter().map(|m| m.actor.as_str()).collect();
    let reasons: Vec<&str> = moves.iter().map(|m| m.reason.as_str()).collect();
    let befores: Vec<i64> = moves.iter().map(|m| m.before).collect();
    let afters: Vec<i64> = moves.iter().map(|m| m.after).collect();
    let ats: Vec<Timestamp> = moves.iter().map(|m| m.at).collect();
    let audits: Vec<Option<uuid::Uuid>> = moves.iter().map(|m| m.audit_id).collect();
    diesel::sql_query(
        "WITH m AS (\
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], \
                                  $6::timestamptz[], $7::uuid[]) \
                 AS m(variant_id, actor, reason, before, after, at, audit_id)), \
         moved AS (\
             UPDATE stock_levels s SET on_hand = m.after, updated_at = m.at \
             FROM m WHERE s.variant_id = m.variant_id), \
         ledger AS (\
             INSERT INTO stock_adjustments (variant_id, actor, reason, before, after, at, audit_id) \
             SELECT variant_id, actor, reason, before, after, at, audit_id FROM m) \
         DELETE FROM stock_reservations WHERE holder = $8",
    )
    .bind::<Array<Uuid>, _>(ids)
    .bind::<Array<Text>, _>(actors)
    .bind::<Array<Text>, _>(reasons)
    .bind::<Array<BigInt>, _>(befores)
    .bind::<Array<BigInt>, _>(afters)
    .bind::<Array<Timestamptz>, _>(ats)
    .bind::<Array<Nullable<Uuid>>, _>(audits)
    .bind::<Nullable<Text>, _>(holder)
    .execute(tx)
    .await?;
    Ok(())
}

/// Adds each move's [`StockLevel::sellable_change`] to its product's `sellable_variants`
/// (the `in_stock` filter's column). Deltas commute, so concurrent moves need no product lock;
/// nothing is written when no variant crossed zero, the usual case.
pub(crate) async fn count_sellable(
    tx: &mut AsyncPgConnection,
    changes: &[(uuid::Uuid, i64)],
) -> Result<(), DbError> {
    use diesel::sql_types::{Array, BigInt, Uuid};
    let mut by_product: std::collections::BTreeMap<uuid::Uuid, i64> = Default::default();
    for (product, change) in changes {
        *by_product.entry(*product).or_default() += change;
    }
    by_product.retain(|_, d| *d != 0);
    if by_product.is_empty() {
        return Ok(());
    }
    let (products, deltas): (Vec<uuid::Uuid>, Vec<i64>) = by_product.into_iter().unzip();
    diesel::sql_query(
        "UPDATE products p SET sellable_variants = p.sellable_variants + d.delta \
         FROM unnest($1::uuid[], $2::bigint[]) AS d(id, delta) WHERE p.id = d.id",
    )
    .bind::<Array<Uuid>, _>(products)
    .bind::<Array<BigInt>, _>(deltas)
    .execute(tx)
    .await?;
    Ok(())
}

/// Moves each locked level named by `lines` by its quantity times `sign`, with ledger rows,
/// as [`StockLevel::on_hand_after`] says (untracked levels stay), releases `holder`'s
/// reservations and keeps the products' sellable counts.
#[allow(clippy::too_many_arguments)]
async fn move_levels(
    tx: &mut AsyncPgConnection,
    levels: &[(StockLevel, uuid::Uuid)],
    lines: &[ReservationLine],
    sign: i64,
    actor: &str,
    reason: &str,
    at: Timestamp,
    holder: Option<&str>,
) -> Result<(), DbError> {
    let mut moves = Vec::new();
    let mut sellable = Vec::new();
    for (level, product) in levels {
        let Some(line) = lines.iter().find(|l| l.variant_id == level.variant_id) else {
            continue;
        };
        if let Some(after) = level.on_hand_after(sign.saturating_mul(line.quantity)) {
            sellable.push((*product, level.sellable_change(after)));
            moves.push(StockAdjustment {
                variant_id: level.variant_id,
                actor: actor.to_owned(),
                reason: reason.to_owned(),
                before: level.on_hand,
                after,
                at,
                audit_id: None,
            });
        }
    }
    apply(tx, &moves, holder).await?;
    count_sellable(tx, &sellable).await
}

/// Writes the outbox messages of a change of on-hand stock of `products` (those linked to
/// the storefront), in `tx`. Nothing is asked when the storefront is not configured.
pub(crate) async fn announce(
    tx: &mut AsyncPgConnection,
    outbound: Outbound,
    levels: &[(StockLevel, uuid::Uuid)],
    at: Timestamp,
) -> Result<(), DbError> {
    if !outbound.woocommerce || levels.is_empty() {
        return Ok(());
    }
    let mut products: Vec<uuid::Uuid> = levels.iter().map(|(_, p)| *p).collect();
    products.sort_unstable();
    products.dedup();
    let linked = crate::sync_links::linked(tx, &products).await?;
    crate::outbox::write(tx, &outbound.stock_changed(&linked, at)).await
}

/// Takes the lines out of stock and deletes `holder`'s reservations, or changes nothing and
/// lists every line short for [`Claim::TakeHeld`].
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
    let locked = lock(tx, &ids).await?;
    let levels: Vec<StockLevel> = locked.iter().map(|(l, _)| l.clone()).collect();
    let short = shortages(Claim::TakeHeld, &lines, &levels);
    if !short.is_empty() {
        return Ok(Err(short));
    }
    let (reason, holder) = ("order placed", Some(holder));
    move_levels(tx, &locked, &lines, -1, actor, reason, at, holder).await?;
    announce(tx, outbound, &locked, at).await?;
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
    let locked = lock(tx, &ids).await?;
    move_levels(tx, &locked, &lines, 1, actor, "order cancelled", at, None).await?;
    announce(tx, outbound, &locked, at).await
}

/// Deletes `holder`'s reservations.
pub(crate) async fn release(tx: &mut AsyncPgConnection, holder: &str) -> Result<(), DbError> {
    diesel::delete(stock_reservations::table.filter(stock_reservations::holder.eq(holder)))
        .execute(tx)
        .await?;
    Ok(())
}

#[derive(Queryable, QueryableByName, Selectable)]
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
