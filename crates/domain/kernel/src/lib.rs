//! Shared vocabulary of every Merx domain crate: money in integer minor units, typed ids,
//! the clock port, pagination and field-level validation errors.
//!
//! Nothing here knows about HTTP, SQL or any other infrastructure.

pub mod address;
mod id;
pub mod idempotency;
pub mod money;
pub mod page;
mod store;
pub mod time;
pub mod validation;

pub use address::{PostalAddress, is_country_code};
pub use idempotency::{IdempotencyClaim, IdempotencyStore, StoredResponse};
pub use money::{Currency, Money, MoneyError};
pub use page::{Page, PageRequest};
pub use store::StoreError;
pub use time::{Clock, ManualClock, SystemClock, Timestamp};
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
