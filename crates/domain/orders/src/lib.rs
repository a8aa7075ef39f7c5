//! Orders: what was bought (an item snapshot that later catalog edits do not change), the
//! human order number, the status machine of spec §6, and the storage port for reading and
//! editing orders. Placing and cancelling orders touch stock and carts too: that use case is
//! `merx-checkout`'s.
//!
//! ```
//! use merx_orders::{OrderNumber, OrderStatus, StatusTimes};
//!
//! assert_eq!(OrderNumber::new(2026, 123).to_string(), "MRX-2026-000123");
//! let (mut status, mut times) = (OrderStatus::Confirmed, StatusTimes::default());
//! let now = chrono::Utc::now();
//! times.transition(&mut status, OrderStatus::Processing, now)?;
//! // Shipped orders cannot be cancelled (409 invalid_transition).
//! times.transition(&mut status, OrderStatus::Shipped, now)?;
//! assert!(times.transition(&mut status, OrderStatus::Cancelled, now).is_err());
//! # Ok::<(), merx_orders::InvalidTransition>(())
//! ```

mod audited;
pub use audited::completed_audit;
mod number;
mod order;
pub mod order_mail;
pub mod outbound;
mod payment_ledger;
mod ports;
mod provider_events;
mod refund;
mod service;
mod status;

pub use number::OrderNumber;
pub use order::{
    CancelReason, Cancellation, NewOrder, Order, OrderEdit, OrderFilter, OrderFlag, OrderId,
    OrderItem, OrderTotals, OrderViewer, Settlement,
};
pub use payment_ledger::{PaymentLedger, RefundRefusal};
pub use ports::*;
pub use refund::{Refund, RefundId, RefundStatus};
pub use service::{OrderError, OrderService};
pub use status::{InvalidTransition, OrderStatus, PaymentStatus, StatusTimes};
