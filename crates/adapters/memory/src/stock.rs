//! Stock levels, their audit trail and reservations in memory. [`crate::MemoryCatalog`] writes
//! the levels of new variants here under its own lock, so a product and its stock appear
//! together; [`crate::MemoryCheckout`] moves stock with orders.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use merx_catalog::InitialStock;
use merx_inventory::{
    Claim, InventoryError, ReservationLine, ReserveOutcome, Shortage, StockAdjustment, StockChange,
    StockLevel, StockRepository, StockSettings, is_live, merged, shortages,
};
use merx_kernel::{AuditEntry, StoreError, Timestamp, VariantId};

use merx_orders::outbound::Outbound;

use crate::{MemoryAuditLog, MemoryOutbox, MemorySyncLinks, lock};

#[derive(Debug, Default)]
struct StockState {
    levels: HashMap<VariantId, StockLevel>,
    adjustments: Vec<StockAdjustment>,
    reservations: Vec<Held>,
}

#[derive(Debug, Clone)]
struct Held {
    holder: String,
    variant_id: VariantId,
    quantity: i64,
    expires_at: Timestamp,
}

impl StockState {
    /// The levels of `variants` that have one, with `reserved` counting the holds live at
    /// `now` of every holder but `except`.
    fn levels_at(
        &self,
        variants: &[VariantId],
        now: Timestamp,
        except: &[&str],
    ) -> Vec<StockLevel> {
        variants
            .iter()
            .filter_map(|v| {
                let level = self.levels.get(v)?;
                let reserved = self
                    .reservations
                    .iter()
                    .filter(|h| h.variant_id == *v && is_live(h.expires_at, now))
                    .filter(|h| !except.contains(&h.holder.as_str()))
                    .map(|h| h.quantity)
                    .sum();
                Some(StockLevel {
                    reserved,
                    ..level.clone()
                })
            })
            .collect()
    }

    /// What `holder` cannot have of `lines` for `claim` at `now`.
    fn shortages(
        &self,
        claim: Claim,
        lines: &[ReservationLine],
        now: Timestamp,
        holders: &[&str],
    ) -> Vec<Shortage> {
        let ids: Vec<VariantId> = lines.iter().map(|l| l.variant_id).collect();
        shortages(claim, lines, &self.levels_at(&ids, now, holders))
    }

    /// Moves a level by `delta` with an audit record; untracked levels do not move.
    fn move_on_hand(
        &mut self,
        variant: VariantId,
        delta: i64,
        actor: &str,
        reason: &str,
        at: Timestamp,
    ) {
        let Some(level) = self.levels.get_mut(&variant) else {
            return;
        };
        let Some(after) = level.on_hand_after(delta) else {
            return;
        };
        let before = level.on_hand;
        level.on_hand = after;
        level.updated_at = at;
        self.adjustments.push(StockAdjustment {
            variant_id: variant,
            actor: actor.to_owned(),
            reason: reason.to_owned(),
            before,
            after,
            at,
            audit_id: None,
        });
    }

    fn release(&mut self, holder: &str) -> u64 {
        let before = self.reservations.len();
        self.reservations.retain(|h| h.holder != holder);
        (before - self.reservations.len()) as u64
    }
}

/// Stock levels in memory. Its audit log is also the catalog's and the checkout's, which
/// write through it.
#[derive(Debug, Default)]
pub struct MemoryStock {
    state: Mutex<StockState>,
    audit: MemoryAuditLog,
    sync: Option<StockSync>,
}

/// Where the messages of stock changes of products linked to the storefront go.
#[derive(Debug)]
struct StockSync {
    outbox: Arc<MemoryOutbox>,
    outbound: Outbound,
    links: Arc<MemorySyncLinks>,
}

impl MemoryStock {
    /// Writes a message to `outbox` with each on-hand change of a product `links` holds,
    /// when `outbound` has the storefront (under this store's lock: in the same step).
    #[must_use]
    pub fn with_outbox(
        mut self,
        outbox: Arc<MemoryOutbox>,
        outbound: Outbound,
        links: Arc<MemorySyncLinks>,
    ) -> Self {
        self.sync = Some(StockSync {
            outbox,
            outbound,
            links,
        });
        self
    }

    fn announce(&self, variants: &[VariantId], at: Timestamp) {
        if let Some(s) = &self.sync
            && s.outbound.woocommerce
        {
            let linked = s.links.linked_products(variants);
            s.outbox.write(s.outbound.stock_changed(&linked, at));
        }
    }

    /// This store writing its entries (and those of the stores built on it) to `log`.
    #[must_use]
    pub fn with_audit_log(mut self, log: MemoryAuditLog) -> Self {
        self.audit = log;
        self
    }

    #[must_use]
    pub fn audit_log(&self) -> &MemoryAuditLog {
        &self.audit
    }

    /// The levels of `variants` as of `now` (every live hold counts).
    pub(crate) fn levels_now(&self, variants: &[VariantId], now: Timestamp) -> Vec<StockLevel> {
        lock(&self.state).levels_at(variants, now, &[])
    }

    /// Stores the levels of new variants.
    pub(crate) fn add_levels(&self, stock: &[(VariantId, InitialStock)], at: Timestamp) {
        let mut state = lock(&self.state);
        for (id, s) in stock {
            let settings = StockSettings {
                track_inventory: s.track_inventory,
                low_stock_threshold: s.low_stock_threshold,
            };
            state.levels.insert(
                *id,
                StockLevel {
                    variant_id: *id,
                    on_hand: s.on_hand,
                    reserved: 0,
                    settings,
                    updated_at: at,
                },
            );
        }
    }

    /// Erases the levels of variants that are gone.
    pub(crate) fn remove_levels(&self, variants: &[VariantId]) {
        lock(&self.state)
            .levels
            .retain(|id, _| !variants.contains(id));
    }

    /// Takes the units from stock (an order leaves with them) and drops `holder`'s
    /// reservations, or changes nothing and lists every line that does not fit.
    pub(crate) fn take_held(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        actor: &str,
        at: Timestamp,
    ) -> Result<(), Vec<Shortage>> {
        let mut state = lock(&self.state);
        let lines = merged(lines);
        let short = state.shortages(Claim::TakeHeld, &lines, at, &[holder]);
        if !short.is_empty() {
            return Err(short);
        }
        for l in &lines {
            state.move_on_hand(l.variant_id, -l.quantity, actor, "order placed", at);
        }
        state.release(holder);
        let variants: Vec<VariantId> = lines.iter().map(|l| l.variant_id).collect();
        self.announce(&variants, at);
        Ok(())
    }

    /// Returns an order's units to stock.
    pub(crate) fn put_back(&self, lines: &[ReservationLine], actor: &str, at: Timestamp) {
        let mut state = lock(&self.state);
        let lines = merged(lines);
        for l in &lines {
            state.move_on_hand(l.variant_id, l.quantity, actor, "order cancelled", at);
        }
        let variants: Vec<VariantId> = lines.iter().map(|l| l.variant_id).collect();
        self.announce(&variants, at);
    }

    pub(crate) fn release_now(&self, holder: &str) {
        lock(&self.state).release(holder);
    }
}

#[async_trait]
impl StockRepository for MemoryStock {
    async fn levels(
        &self,
        variants: &[VariantId],
        now: Timestamp,
    ) -> Result<Vec<StockLevel>, StoreError> {
        Ok(self.levels_now(variants, now))
    }

    async fn reserve_over(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        now: Timestamp,
        expires_at: Timestamp,
        takes_over: Option<String>,
    ) -> Result<ReserveOutcome, StoreError> {
        let mut state = lock(&self.state);
        let lines = merged(lines);
        let mut replaced = vec![holder];
        replaced.extend(takes_over.as_deref());
        let short = state.shortages(Claim::Reserve, &lines, now, &replaced);
        if !short.is_empty() {
            return Ok(ReserveOutcome::Short(short));
        }
        for h in replaced {
            state.release(h);
        }
        for line in lines {
            state.reservations.push(Held {
                holder: holder.to_owned(),
                variant_id: line.variant_id,
                quantity: line.quantity,
                expires_at,
            });
        }
        Ok(ReserveOutcome::Reserved)
    }

    async fn release(&self, holder: &str) -> Result<u64, StoreError> {
        Ok(lock(&self.state).release(holder))
    }

    async fn delete_expired_reservations(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let before = state.reservations.len();
        state.reservations.retain(|h| is_live(h.expires_at, now));
        Ok((before - state.reservations.len()) as u64)
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
        let mut state = lock(&self.state);
        let level = state
            .levels
            .get_mut(&variant)
            .ok_or(InventoryError::NotFound)?;
        let before = level.on_hand;
        let after = change.apply(before)?;
        level.on_hand = after;
        level.updated_at = at;
        let (record, entry) = StockAdjustment {
            variant_id: variant,
            actor: actor.to_owned(),
            reason: reason.to_owned(),
            before,
            after,
            at,
            audit_id: None,
        }
        .audited(audit);
        self.audit.record(entry);
        state.adjustments.push(record.clone());
        self.announce(&[variant], at);
        Ok(record)
    }

    async fn adjustments(&self, variant: VariantId) -> Result<Vec<StockAdjustment>, StoreError> {
        let state = lock(&self.state);
        Ok(state
            .adjustments
            .iter()
            .rev()
            .filter(|a| a.variant_id == variant)
            .cloned()
            .collect())
    }
}
