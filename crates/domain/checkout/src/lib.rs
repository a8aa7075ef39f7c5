//! Checkout (spec §6): sessions that lock a cart's prices and hold its stock for a while, and
//! the orders they become, in one transaction each: the order is written, held stock leaves
//! the shelf, the discount use is counted and the cart is emptied. Also the orders-first flow
//! (place, then pay), cancellation that returns stock, and the expiry of what was not paid.
//!
//! The flows live in `sessions.rs`, `orders_first.rs` and `order_lifecycle.rs`; the store
//! behind them is the [`CheckoutStore`] unit-of-work port. See `examples/` at the workspace
//! root for a whole cash-on-delivery order on the in-memory adapters.
//!
//! ```
//! use merx_checkout::{PlaceOutcome, SessionStatus, placeable};
//!
//! let now = chrono::Utc::now();
//! let later = now + chrono::Duration::minutes(15);
//! // Only an open session whose time has not run out becomes an order.
//! assert_eq!(placeable(SessionStatus::Open, None, later, now), Ok(()));
//! assert_eq!(
//!     placeable(SessionStatus::Open, None, now, now),
//!     Err(PlaceOutcome::SessionClosed(SessionStatus::Expired))
//! );
//! ```

mod checks;
mod direct_reservations;
mod error;
mod order_lifecycle;
mod orders_first;
mod payment_confirmations;
mod payment_events;
mod payment_lines;
mod ports;
mod priced;
mod refunds;
mod request;
mod service;
mod session;
mod sessions;

pub use direct_reservations::{
    DEFAULT_RESERVATION_MINUTES, DirectReservation, MAX_RESERVATION_MINUTES, ReservationAsk,
    cart_hold, reservation_hold, within_cart,
};
pub use error::CheckoutError;
pub use orders_first::IntentFor;
pub use payment_confirmations::{Confirmer, paid_for};
pub use payment_lines::payment_lines;
pub use ports::*;
pub use request::{
    CheckoutRequest, ClientAmount, Confirmed, NewOrderRequest, OrderSource, PaymentAnswer,
    PlacedOrder, Settings,
};
pub use service::{CheckoutPorts, CheckoutService};
pub use session::{
    CheckoutId, CheckoutSession, SessionMode, SessionPayment, SessionStatus, placeable,
    placeable_late,
};
