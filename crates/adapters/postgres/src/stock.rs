//! Stock levels, reservations and audited adjustments in Postgres.

use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::Error as DbError;
use diesel::sql_types::{Array, BigInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use merx_inventory::{
    Claim, InventoryError, ReservationLine, ReserveOutcome, StockAdjustment, StockChange,
    StockLevel, StockRepository, merged, shortages,
};
use merx_kernel::{AuditEntry, StoreError, Timestamp, VariantId};

use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::schema::{stock_adjustments, stock_levels, stock_reservations};
use crate::stock_moves::{LevelRow, counting_holds, live_reservations};

#[derive(Queryable, Selectable)]
#[diesel(table_name = stock_adjustments, check_for_backend(Pg))]
struct AdjustmentRow {
    variant_id: uuid::Uuid,
    actor: String,
    reason: String,
    before: i64,
    after: i64,
    at: Timestamp,
    audit_id: Option<uuid::Uuid>,
}

impl From<AdjustmentRow> for StockAdjustment {
    fn from(r: AdjustmentRow) -> Self {
        Self {
            variant_id: VariantId::from_uuid(r.variant_id),
            actor: r.actor,
            reason: r.reason,
            before: r.before,
            after: r.after,
            at: r.at,
            audit_id: r.audit_id,
        }
    }
}

pub struct PgStock {
    pool: PgPool,
    outbound: merx_orders::outbound::Outbound,
}

impl PgStock {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            outbound: merx_orders::outbound::Outbound::default(),
        }
    }

    /// Writes the outbox messages of `outbound`'s receivers with each change of stock.
    #[must_use]
    pub fn with_outbound(self, outbound: merx_orders::outbound::Outbound) -> Self {
        Self { outbound, ..self }
    }
}

/// Why an adjustment transaction stopped.
enum AdjustFailure {
    Db(DbError),
    Rule(InventoryError),
}

impl From<DbError> for AdjustFailure {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

#[async_trait]
impl StockRepository for PgStock {
    async fn levels(
        &self,
        variant_ids: &[VariantId],
        now: Timestamp,
    ) -> Result<Vec<StockLevel>, StoreError> {
        let ids: Vec<uuid::Uuid> = variant_ids.iter().map(|v| *v.as_uuid()).collect();
        let mut c = conn(&self.pool).await?;
        // Levels and their live holds in one statement (one snapshot, one round trip).
        let held = diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT COALESCE(SUM(r.quantity), 0)::BIGINT FROM stock_reservations r \
              WHERE r.variant_id = stock_levels.variant_id AND r.expires_at > ",
        )
        .bind::<diesel::sql_types::Timestamptz, _>(now)
        .sql(")");
        let rows: Vec<(LevelRow, i64)> = stock_levels::table
            .filter(stock_levels::variant_id.eq_any(&ids))
            .select((LevelRow::as_select(), held))
            .load(&mut c)
            .await
            .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|(row, reserved)| StockLevel {
                reserved,
                ..StockLevel::from(row)
            })
            .collect())
    }

    async fn reserve_over(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        now: Timestamp,
        expires_at: Timestamp,
        takes_over: Option<String>,
    ) -> Result<ReserveOutcome, StoreError> {
        let lines = merged(lines);
        let holder = holder.to_owned();
        let mut replaced = vec![holder.clone()];
        replaced.extend(takes_over);
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let ids: Vec<uuid::Uuid> = lines.iter().map(|l| *l.variant_id.as_uuid()).collect();
            // Lock the levels in id order (lines are sorted): concurrent reservations of the
            // same variants queue here and each sees the ones committed before it.
            let locked: Vec<LevelRow> = stock_levels::table
                .filter(stock_levels::variant_id.eq_any(&ids))
                .order(stock_levels::variant_id)
                .select(LevelRow::as_select())
                .for_update()
                .load(tx)
                .await?;
            let except: Vec<&str> = replaced.iter().map(String::as_str).collect();
            let held = live_reservations(tx, &ids, now, &except).await?;
            let short = shortages(Claim::Reserve, &lines, &counting_holds(locked, &held));
            if !short.is_empty() {
                return Ok(ReserveOutcome::Short(short));
            }
            // The replaced holds go and the new ones come in one statement.
            let variants: Vec<uuid::Uuid> = lines.iter().map(|l| *l.variant_id.as_uuid()).collect();
            let quantities: Vec<i64> = lines.iter().map(|l| l.quantity).collect();
            diesel::sql_query(
                "WITH gone AS (DELETE FROM stock_reservations WHERE holder = ANY($1)) \
                 INSERT INTO stock_reservations (holder, variant_id, quantity, expires_at) \
                 SELECT $2, l.variant_id, l.quantity, $5 \
                 FROM unnest($3::uuid[], $4::bigint[]) AS l(variant_id, quantity)",
            )
            .bind::<Array<Text>, _>(&replaced)
            .bind::<Text, _>(&holder)
            .bind::<Array<diesel::sql_types::Uuid>, _>(variants)
            .bind::<Array<BigInt>, _>(quantities)
            .bind::<Timestamptz, _>(expires_at)
            .execute(tx)
            .await?;
            Ok(ReserveOutcome::Reserved)
        })
        .await
        .map_err(store_error)
    }

    async fn release(&self, holder: &str) -> Result<u64, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n =
            diesel::delete(stock_reservations::table.filter(stock_reservations::holder.eq(holder)))
                .execute(&mut c)
                .await
                .map_err(store_error)?;
        Ok(n as u64)
    }

    async fn delete_expired_reservations(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n = diesel::delete(
            stock_reservations::table.filter(stock_reservations::expires_at.le(now)),
        )
        .execute(&mut c)
        .await
        .map_err(store_error)?;
        Ok(n as u64)
    }

    async fn adjust(
        &self,
        variant: VariantId,
        change: StockChange,
        actor: &str,
        reason: &str,
        at: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<StockAdjustment, InventoryError> {
        let mut c = conn(&self.pool).await?;
        let (id, actor, reason) = (*variant.as_uuid(), actor.to_owned(), reason.to_owned());
        let outbound = self.outbound;
        let result = c
            .transaction::<_, AdjustFailure, _>(async move |tx| {
                let locked = crate::stock_moves::lock(tx, &[id]).await?;
                let [(level, product)] = locked.as_slice() else {
                    return Err(AdjustFailure::Rule(InventoryError::NotFound));
                };
                let before = level.on_hand;
                let after = change.apply(before).map_err(AdjustFailure::Rule)?;
                let (adjustment, entry) = StockAdjustment {
                    variant_id: variant,
                    actor,
                    reason,
                    before,
                    after,
                    at,
                    audit_id: None,
                }
                .audited(audit);
                // The entry first: the adjustment's row refers to it.
                crate::audit_log::record(tx, entry).await?;
                crate::stock_moves::apply(tx, std::slice::from_ref(&adjustment), None).await?;
                crate::stock_moves::count_sellable(tx, &[(*product, level.sellable_change(after))])
                    .await?;
                crate::stock_moves::announce(tx, outbound, &locked, at).await?;
                crate::catalog_changes::notify_catalog_changed(tx).await?;
                Ok(adjustment)
            })
            .await;
        result.map_err(|f| match f {
            AdjustFailure::Db(e) => InventoryError::Store(store_error(e)),
            AdjustFailure::Rule(e) => e,
        })
    }

    async fn adjustments(&self, variant: VariantId) -> Result<Vec<StockAdjustment>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let rows: Vec<AdjustmentRow> = stock_adjustments::table
            .filter(stock_adjustments::variant_id.eq(*variant.as_uuid()))
            .order((stock_adjustments::at.desc(), stock_adjustments::id.desc()))
            .select(AdjustmentRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(StockAdjustment::from).collect())
    }
}
