use merx_kernel::{Timestamp, VariantId};

use crate::InventoryError;

/// An admin's change to stock on hand: set an absolute count, or apply a delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockChange {
    Set(i64),
    Delta(i64),
}

impl StockChange {
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

/// The audit record of one change: who, when, why, before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockAdjustment {
    pub variant_id: VariantId,
    pub actor: String,
    pub reason: String,
    pub before: i64,
    pub after: i64,
    pub at: Timestamp,
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
}
