use merx_kernel::audit::{AuditEntry, Changes};
use merx_kernel::{Timestamp, VariantId};

use crate::InventoryError;

/// An admin's change to stock on hand: set an absolute count, or apply a delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockChange {
    Set(i64),
    Delta(i64),
}

impl StockChange {
    /// The change an admin asked for: a count to set or a delta to apply, exactly one.
    ///
    /// # Errors
    /// A validation error naming `inventory_count` when both or neither are given.
    pub fn from_fields(
        inventory_count: Option<i64>,
        delta: Option<i64>,
    ) -> Result<Self, merx_kernel::ValidationErrors> {
        match (inventory_count, delta) {
            (Some(n), None) => Ok(Self::Set(n)),
            (None, Some(d)) => Ok(Self::Delta(d)),
            _ => Err(merx_kernel::ValidationErrors::single(
                "inventory_count",
                "give exactly one of inventory_count and delta",
            )),
        }
    }

    /// The count after this change to `on_hand`.
    ///
    /// # Errors
    /// [`InventoryError::NegativeStock`] when the result would be below zero (or overflow).
    pub fn apply(self, on_hand: i64) -> Result<i64, InventoryError> {
        let after = match self {
            Self::Set(n) => Some(n),
            Self::Delta(d) => on_hand.checked_add(d),
        };
        match after {
            Some(n) if n >= 0 => Ok(n),
            _ => Err(InventoryError::NegativeStock {
                on_hand,
                change: self,
            }),
        }
    }
}

/// One move of the stock ledger: who, when, why, before and after. An admin's adjustment
/// links to its audit log entry; moves of orders have none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockAdjustment {
    pub variant_id: VariantId,
    pub actor: String,
    pub reason: String,
    pub before: i64,
    pub after: i64,
    pub at: Timestamp,
    pub audit_id: Option<uuid::Uuid>,
}

impl StockAdjustment {
    /// What the audit log says this adjustment changed.
    #[must_use]
    pub fn audit_changes(&self) -> Changes {
        Changes::field("inventory_count", self.before, self.after).and(
            "reason",
            serde_json::Value::Null,
            self.reason.clone(),
        )
    }

    /// `draft` (an entry without changes) completed with this adjustment's, and the
    /// adjustment linked to it: what a store writes in the adjustment's step.
    #[must_use]
    pub fn audited(mut self, draft: Option<AuditEntry>) -> (Self, Option<AuditEntry>) {
        let entry = draft.map(|d| AuditEntry {
            changes: self.audit_changes(),
            ..d
        });
        self.audit_id = entry.as_ref().map(|e| e.id);
        (self, entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_never_leave_stock_below_zero() {
        assert_eq!(StockChange::Set(7).apply(3).ok(), Some(7));
        assert_eq!(StockChange::Delta(-3).apply(3).ok(), Some(0));
        assert_eq!(StockChange::Delta(5).apply(3).ok(), Some(8));
        assert!(StockChange::Delta(-4).apply(3).is_err());
        assert!(StockChange::Set(-1).apply(3).is_err());
        assert!(StockChange::Delta(i64::MAX).apply(3).is_err());
    }

    #[test]
    fn a_change_is_a_count_or_a_delta_never_both() {
        assert_eq!(
            StockChange::from_fields(Some(4), None),
            Ok(StockChange::Set(4))
        );
        assert_eq!(
            StockChange::from_fields(None, Some(-2)),
            Ok(StockChange::Delta(-2))
        );
        assert!(StockChange::from_fields(Some(1), Some(1)).is_err());
        assert!(StockChange::from_fields(None, None).is_err());
    }
}
