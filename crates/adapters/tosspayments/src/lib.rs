//! TossPayments for Merx (providers.md §2): the widget's data (no call to Toss until the
//! buyer comes back), `POST /v1/payments/confirm` with an Idempotency-Key, cancels for refunds,
//! and webhooks, which Toss does not sign: each is only a hint, and the payment is read back
//! from Toss before anything changes.

mod gateway;
mod payment;

pub use gateway::{TossConfig, TossGateway};
