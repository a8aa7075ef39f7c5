use merx_kernel::{StoreError, ValidationErrors};

use crate::StockChange;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("stock cannot go below zero (on hand {on_hand}, change {change:?})")]
    NegativeStock { on_hand: i64, change: StockChange },
    #[error("no stock record for this variant")]
    NotFound,
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}
