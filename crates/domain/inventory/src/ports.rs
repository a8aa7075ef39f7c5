use async_trait::async_trait;
use merx_kernel::{StoreError, Timestamp, VariantId};

use crate::{InventoryError, StockAdjustment, StockChange, StockLevel};

/// Stock levels of variants and the audit trail of their changes.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait StockRepository: Send + Sync {
    /// The levels of those variants that have one, in any order.
    async fn levels(&self, variants: &[VariantId]) -> Result<Vec<StockLevel>, StoreError>;

    /// Applies `change` and records the adjustment, as one atomic step: the count is read
    /// and written under a lock, and [`StockChange::apply`] decides the new count, so
    /// concurrent adjustments never lose an update or take stock below zero.
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
    ) -> Result<StockAdjustment, InventoryError>;

    /// The variant's adjustments, newest first.
    async fn adjustments(&self, variant: VariantId) -> Result<Vec<StockAdjustment>, StoreError>;
}
