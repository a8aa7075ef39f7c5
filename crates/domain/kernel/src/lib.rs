//! Shared vocabulary of every Merx domain crate: money in integer minor units, typed ids,
//! the clock port, pagination and field-level validation errors.
//!
//! Nothing here knows about HTTP, SQL or any other infrastructure.
//!
//! ```
//! use merx_kernel::{Currency, Money};
//!
//! // Integer minor units in each currency's own exponent: cents, won, fils.
//! let price = Money::new(1_999, Currency::Usd);
//! assert_eq!(price.checked_mul(3)?.to_string(), "59.97 USD");
//! assert_eq!(Money::new(28_000, Currency::Krw).to_string(), "28000 KRW");
//! assert_eq!(Money::new(5_900, Currency::Jod).to_string(), "5.900 JOD");
//! // Currencies never mix.
//! assert!(price.checked_add(Money::new(1, Currency::Krw)).is_err());
//! # Ok::<(), merx_kernel::MoneyError>(())
//! ```

pub mod address;
pub mod audit;
mod id;
pub mod idempotency;
pub mod money;
mod money_text;
pub mod outbox;
pub mod outbox_delivery;
pub mod page;
mod payment_method;
pub mod rate_limit;
mod store;
pub mod time;
pub mod validation;

pub use address::{PostalAddress, is_country_code};
pub use audit::{AuditEntry, AuditLog, AuditQuery, Author, Changes};
pub use idempotency::{IdempotencyClaim, IdempotencyStore, StoredResponse};
pub use money::{Currency, Money, MoneyError};
pub use page::{Page, PageRequest, all_pages};
pub use payment_method::PaymentMethod;
pub use rate_limit::{Limit, RateCategory, RateDecision, RateLimiter, RateLimits, client_of};
pub use store::StoreError;
pub use time::{Clock, ManualClock, ShiftedClock, SystemClock, Timestamp};
pub use validation::{FieldError, ValidationErrors, has_control_chars, json_has_nul};

#[cfg(any(test, feature = "mocks"))]
pub use time::MockClock;

typed_id!(
    /// Identifies a product. Shared by catalog, inventory, carts and orders.
    ProductId
);
typed_id!(
    /// Identifies a purchasable variant of a product (the unit stock and carts count).
    VariantId
);
