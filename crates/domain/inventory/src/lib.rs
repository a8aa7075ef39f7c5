//! Stock on hand for variants, with audited adjustments. Reservations (checkout) build on the
//! same levels: `available = on_hand − live reservations`, never below zero.

mod adjustment;
mod error;
mod ports;
mod service;
mod stock;

pub use adjustment::{StockAdjustment, StockChange};
pub use error::InventoryError;
pub use ports::*;
pub use service::InventoryService;
pub use stock::{StockLevel, StockSettings};
