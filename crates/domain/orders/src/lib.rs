//! Orders: what was bought (an item snapshot that later catalog edits do not change), the
//! human order number, the status machine of spec §6, and the storage port for reading and
//! editing orders. Placing and cancelling orders touch stock and carts too: that use case is
//! `merx-checkout`'s.

mod number;
mod order;
mod ports;
mod service;
mod status;

pub use number::OrderNumber;
pub use order::{
    CancelReason, Cancellation, NewOrder, Order, OrderEdit, OrderFilter, OrderId, OrderItem,
    OrderTotals, OrderViewer, Settlement,
};
pub use ports::*;
pub use service::{OrderError, OrderService};
pub use status::{InvalidTransition, OrderStatus, PaymentStatus, StatusTimes};
