//! Stock on hand for variants, with audited adjustments, and reservations that hold units for
//! a checkout: `available = on_hand − live reservations`, never below zero. A reservation stops
//! counting the moment it expires, whether or not a sweeper has deleted it yet.

mod adjustment;
mod error;
mod ports;
mod reservation;
mod service;
mod shortage;
mod stock;

pub use adjustment::{StockAdjustment, StockChange};
pub use error::InventoryError;
pub use ports::*;
pub use reservation::{ReservationLine, ReserveOutcome, Shortage, merged};
pub use service::InventoryService;
pub use shortage::{Claim, shortages};
pub use stock::{StockLevel, StockSettings, is_in_stock, is_low_stock};
