use async_trait::async_trait;
use merx_kernel::audit::AuditEntry;
use merx_kernel::{StoreError, Timestamp, VariantId};

use crate::{
    InventoryError, ReservationLine, ReserveOutcome, StockAdjustment, StockChange, StockLevel,
};

/// Stock levels of variants and the audit trail of their changes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StockRepository: Send + Sync {
    /// The levels of those variants that have one, in any order; `reserved` counts the
    /// reservations still live at `now`.
    async fn levels(
        &self,
        variants: &[VariantId],
        now: Timestamp,
    ) -> Result<Vec<StockLevel>, StoreError>;

    /// Holds every line for `holder` until `expires_at`, or nothing: the levels are locked,
    /// each tracked line must fit in what is available at `now` (reservations of other holders
    /// live at `now` count against it), and only then are the reservations written. A holder's
    /// earlier reservations are replaced. Concurrent callers never together hold more than is on
    /// hand. Lines are merged per variant and sorted (see [`crate::merged`]).
    async fn reserve(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<ReserveOutcome, StoreError> {
        self.reserve_over(holder, lines, now, expires_at, None)
            .await
    }

    /// [`Self::reserve`], taking over what `takes_over` holds: its reservations count for
    /// this holder and go in the same step (a checkout session taking over its cart's direct
    /// reservation), so no unit is ever held twice.
    async fn reserve_over(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        now: Timestamp,
        expires_at: Timestamp,
        takes_over: Option<String>,
    ) -> Result<ReserveOutcome, StoreError>;

    /// Drops the holder's reservations; how many lines were held.
    async fn release(&self, holder: &str) -> Result<u64, StoreError>;

    /// Deletes reservations that expired at or before `now` (they already stopped counting);
    /// how many.
    async fn delete_expired_reservations(&self, now: Timestamp) -> Result<u64, StoreError>;

    /// Applies `change` and records the adjustment, as one atomic step: the count is read
    /// and written under a lock, and [`StockChange::apply`] decides the new count, so
    /// concurrent adjustments never lose an update or take stock below zero. `audit`, when
    /// given, is stored in the same step with [`StockAdjustment::audit_changes`] as its
    /// changes, and the adjustment links to it.
    ///
    /// # Errors
    /// [`InventoryError::NotFound`] without a level; [`InventoryError::NegativeStock`], then
    /// nothing changes.
    async fn adjust(
        &self,
        variant: VariantId,
        change: StockChange,
        actor: &str,
        reason: &str,
        at: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<StockAdjustment, InventoryError>;

    /// The variant's adjustments, newest first.
    async fn adjustments(&self, variant: VariantId) -> Result<Vec<StockAdjustment>, StoreError>;
}
