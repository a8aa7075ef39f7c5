//! Stripe for Merx. So far: verifying the `Stripe-Signature` of webhook deliveries
//! (providers.md §1.8), which must happen on the raw body before any JSON is parsed.

mod signature;

pub use signature::{SignatureError, TOLERANCE_SECS, signature_header, verify_signature};
