//! Stripe for Merx (providers.md §1): Checkout Sessions (hosted and embedded), PaymentIntents,
//! refunds and session expiry through async-stripe, every write with an Idempotency-Key from
//! our object and the operation; webhooks verified over the raw body (`Stripe-Signature`)
//! before any JSON is read, then read as domain [`merx_payments::PaymentEvent`]s.

mod events;
mod gateway;
mod signature;
mod wire;

pub use events::parse_event;
pub use gateway::{STRIPE_VERSION, StripeConfig, StripeGateway};
pub use signature::{SignatureError, TOLERANCE_SECS, signature_header, verify_signature};
