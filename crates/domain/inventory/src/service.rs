use std::sync::Arc;

use merx_kernel::audit::{Author, Target};
use merx_kernel::{Clock, ValidationErrors, VariantId, has_control_chars};

use crate::{
    InventoryError, ReservationLine, ReserveOutcome, StockAdjustment, StockChange, StockLevel,
    StockRepository,
};

/// Reads and adjusts stock.
pub struct InventoryService {
    stock: Arc<dyn StockRepository>,
    clock: Arc<dyn Clock>,
}

impl InventoryService {
    #[must_use]
    pub fn new(stock: Arc<dyn StockRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { stock, clock }
    }

    /// # Errors
    /// [`InventoryError::NotFound`] when the variant has no stock record.
    pub async fn level(&self, variant: VariantId) -> Result<StockLevel, InventoryError> {
        self.stock
            .levels(&[variant], self.clock.now())
            .await?
            .into_iter()
            .next()
            .ok_or(InventoryError::NotFound)
    }

    /// # Errors
    /// `Store` on storage failure.
    pub async fn levels(&self, variants: &[VariantId]) -> Result<Vec<StockLevel>, InventoryError> {
        Ok(self.stock.levels(variants, self.clock.now()).await?)
    }

    /// Applies an admin's change, with who and why recorded: a move in the stock ledger and,
    /// for a caller, a `stock.adjust` entry of the audit log it links to.
    ///
    /// # Errors
    /// `Validation` for a missing or odd reason; `NegativeStock`; `NotFound`.
    pub async fn adjust(
        &self,
        variant: VariantId,
        change: StockChange,
        reason: &str,
        by: &Author,
    ) -> Result<StockAdjustment, InventoryError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 || has_control_chars(reason) {
            return Err(ValidationErrors::single(
                "reason",
                "must be 1 to 500 characters, without control characters",
            )
            .into());
        }
        let now = self.clock.now();
        // The store fills in the changes: only it sees the count before, under its lock.
        let audit = by.entry(
            "stock.adjust",
            Target::new("variant", variant),
            merx_kernel::Changes::default(),
            now,
        );
        self.stock
            .adjust(variant, change, &by.name(), reason, now, audit)
            .await
    }

    /// # Errors
    /// `Store` on storage failure.
    pub async fn history(
        &self,
        variant: VariantId,
    ) -> Result<Vec<StockAdjustment>, InventoryError> {
        Ok(self.stock.adjustments(variant).await?)
    }

    /// Holds every line for `holder` for `ttl`, or nothing (each short line is reported).
    ///
    /// # Errors
    /// `Validation` for a line of less than one unit or an empty list; `Store`.
    pub async fn reserve(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        ttl: chrono::Duration,
    ) -> Result<ReserveOutcome, InventoryError> {
        self.reserve_over(holder, lines, ttl, None).await
    }

    /// [`Self::reserve`], taking over what `takes_over` holds in the same step.
    ///
    /// # Errors
    /// As for [`Self::reserve`].
    pub async fn reserve_over(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        ttl: chrono::Duration,
        takes_over: Option<String>,
    ) -> Result<ReserveOutcome, InventoryError> {
        if lines.is_empty() || lines.iter().any(|l| l.quantity < 1) {
            return Err(ValidationErrors::single(
                "lines",
                "reserve at least one line of at least one unit",
            )
            .into());
        }
        let now = self.clock.now();
        Ok(self
            .stock
            .reserve_over(holder, lines, now, now + ttl, takes_over)
            .await?)
    }

    /// Frees what `holder` holds; how many lines it held.
    ///
    /// # Errors
    /// `Store`.
    pub async fn release(&self, holder: &str) -> Result<u64, InventoryError> {
        Ok(self.stock.release(holder).await?)
    }

    /// Deletes reservations that have expired (they stopped counting already).
    ///
    /// # Errors
    /// `Store`.
    pub async fn delete_expired_reservations(&self) -> Result<u64, InventoryError> {
        Ok(self
            .stock
            .delete_expired_reservations(self.clock.now())
            .await?)
    }
}
