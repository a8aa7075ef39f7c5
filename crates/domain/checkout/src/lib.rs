//! Checkout (spec §6): sessions that lock a cart's prices and hold its stock for a while, and
//! the orders they become, in one transaction each: the order is written, held stock leaves
//! the shelf, the discount use is counted and the cart is emptied. Also the orders-first flow
//! (place, then pay), cancellation that returns stock, and the expiry of what was not paid.

mod error;
mod ports;
mod service;
mod session;

pub use error::CheckoutError;
pub use ports::*;
pub use service::{
    CheckoutRequest, CheckoutService, Confirmed, NewOrderRequest, OrderSource, PaymentAnswer,
    PlacedOrder, Settings,
};
pub use session::{CheckoutId, CheckoutSession, SessionPayment, SessionStatus};
