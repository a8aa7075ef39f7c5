use std::sync::Arc;

use merx_kernel::{Clock, ValidationErrors, VariantId, has_control_chars};

use crate::{InventoryError, StockAdjustment, StockChange, StockLevel, StockRepository};

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
            .levels(&[variant])
            .await?
            .into_iter()
            .next()
            .ok_or(InventoryError::NotFound)
    }

    /// # Errors
    /// `Store` on storage failure.
    pub async fn levels(&self, variants: &[VariantId]) -> Result<Vec<StockLevel>, InventoryError> {
        Ok(self.stock.levels(variants).await?)
    }

    /// Applies an admin's change, with who and why recorded.
    ///
    /// # Errors
    /// `Validation` for a missing or odd reason; `NegativeStock`; `NotFound`.
    pub async fn adjust(
        &self,
        variant: VariantId,
        change: StockChange,
        actor: &str,
        reason: &str,
    ) -> Result<StockAdjustment, InventoryError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 || has_control_chars(reason) {
            return Err(ValidationErrors::single(
                "reason",
                "must be 1 to 500 characters, without control characters",
            )
            .into());
        }
        self.stock
            .adjust(variant, change, actor, reason, self.clock.now())
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
}
