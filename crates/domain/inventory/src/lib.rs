//! Stock on hand for variants, with audited adjustments, and reservations that hold units for
//! a checkout: `available = on_hand − live reservations`, never below zero. A reservation stops
//! counting the moment it expires, whether or not a sweeper has deleted it yet.
//!
//! ```
//! use merx_inventory::{Claim, ReservationLine, StockLevel, StockSettings, shortages};
//! use merx_kernel::VariantId;
//!
//! let level = StockLevel {
//!     variant_id: VariantId::new(),
//!     on_hand: 10,
//!     reserved: 8, // held by other checkouts
//!     settings: StockSettings::default(),
//!     updated_at: chrono::Utc::now(),
//! };
//! assert_eq!(level.available(), 2);
//! let want = [ReservationLine { variant_id: level.variant_id, quantity: 3 }];
//! let short = shortages(Claim::Reserve, &want, &[level]);
//! assert_eq!((short[0].available, short[0].requested), (2, 3));
//! ```

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
pub use reservation::{ReservationLine, ReserveOutcome, Shortage, is_live, merged};
pub use service::InventoryService;
pub use shortage::{Claim, shortages};
pub use stock::{StockLevel, StockSettings, is_in_stock, is_low_stock};
