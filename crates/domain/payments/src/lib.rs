//! Payments: the [`PaymentGateway`] port a provider (Stripe, TossPayments, cash on delivery)
//! implements, the registry of configured ones, and the cash-on-delivery gateway. Checkout
//! starts a payment through it and confirms an order once the payment allows.

mod cash_on_delivery;
mod gateway;

pub use cash_on_delivery::CashOnDelivery;
pub use gateway::*;
