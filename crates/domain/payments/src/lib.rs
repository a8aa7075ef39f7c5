//! Payments: the [`PaymentGateway`] port a provider (Stripe, TossPayments, cash on delivery)
//! implements, the registry of configured ones, and the cash-on-delivery gateway. Checkout
//! starts a payment through it and confirms an order once the payment allows.
//!
//! ```
//! use merx_payments::{PaymentGateways, PaymentMethod};
//!
//! let gateways = PaymentGateways::cash_only();
//! assert_eq!(gateways.methods(), ["cash_on_delivery"]);
//! assert!(gateways.get("stripe").is_err(), "not configured: payment_method_unavailable");
//! assert!(PaymentMethod::CashOnDelivery.settles_on_delivery());
//! ```

mod cash_on_delivery;
mod event;
mod gateway;
mod payment;

pub use cash_on_delivery::CashOnDelivery;
pub use event::{PaymentEvent, PaymentFact};
pub use gateway::*;
pub use payment::{
    PaymentConfirmation, PaymentFlow, PaymentLine, PaymentRequest, PaymentStart, PaymentState,
    PaymentSubject, ProviderStatus,
};
