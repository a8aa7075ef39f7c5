//! In-memory adapters for every Merx port. They back the embedded default (no DATABASE_URL)
//! and fast tests, and pass the same contract suites as the Postgres adapters.
//!
//! Each store keeps its state behind one `Mutex`, so every port method is atomic.

mod audit_log;
mod carts;
mod catalog;
mod checkout;
mod idempotency;
mod identity;
mod mailer;
mod orders;
mod outbox;
mod pricing;
mod purchases;
mod rate_limit;
mod reports;
mod reviews;
mod stock;
mod sync_links;

pub use audit_log::MemoryAuditLog;
pub use carts::MemoryCarts;
pub use catalog::{MemoryCatalog, ProductReferences};
pub use checkout::MemoryCheckout;
pub use idempotency::MemoryIdempotency;
pub use identity::{
    MemoryAddresses, MemoryApiKeys, MemoryOneTimeTokens, MemoryRefreshTokens, MemoryUsers,
};
pub use mailer::LogMailer;
pub use outbox::MemoryOutbox;
pub use pricing::{MemoryDiscounts, MemoryShippingZones, MemoryTaxRates};
pub use rate_limit::MemoryRateLimiter;
pub use reports::MemoryReports;
pub use reviews::{MemoryReviews, ReviewedProducts};
pub use stock::MemoryStock;
pub use sync_links::MemorySyncLinks;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks a store. A panic while holding the lock cannot leave a half-applied change (every
/// method mutates after its checks), so a poisoned lock is still safe to use.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
