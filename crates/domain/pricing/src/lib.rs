//! Pricing: tax tables, shipping zones and methods, discount codes, postal-code rules, and the
//! one pure quote function every total in Merx comes from (carts, the checkout calculators,
//! checkout sessions and orders).
//!
//! Rounding: every percentage is applied to a non-negative amount in minor units and rounded
//! half-up to the minor unit, per line, so currencies with 0 and 3 decimals come out exact.
//!
//! ```
//! use merx_kernel::{Currency, Money, VariantId};
//! use merx_pricing::{QuoteInput, QuoteLine, quote};
//!
//! let lines = [QuoteLine {
//!     variant_id: VariantId::new(),
//!     unit_price: Money::new(18_000, Currency::Krw),
//!     quantity: 2,
//!     weight_grams: 100,
//! }];
//! let q = quote(&QuoteInput {
//!     currency: Currency::Krw,
//!     lines: &lines,
//!     discount: None,
//!     shipping: None,
//!     tax: None,
//!     business_tax_id: false,
//! })?;
//! assert_eq!(q.grand_total, Money::new(36_000, Currency::Krw));
//! # Ok::<(), merx_pricing::PricingError>(())
//! ```

mod audited;
mod defaults;
mod destination;
mod discount;
mod error;
mod patch;
mod ports;
mod postal;
mod quote;
mod rate;
mod service;
mod shipping;
mod tax;
mod vat_number;

pub use defaults::PricingDefaults;
pub use destination::Destination;
pub use destination::DestinationError;
pub use discount::{
    Discount, DiscountId, DiscountInput, DiscountPatch, DiscountRejection, DiscountValue,
    Redemption, ValidDiscount,
};
pub use error::PricingError;
pub use ports::*;
pub use postal::validate_postal_code;
pub use quote::{LineQuote, Quote, QuoteInput, QuoteLine, quote};
pub use rate::Rate;
pub use service::{Customer, PricingService, PricingTables, QuoteRequest};
pub use shipping::{
    MethodRate, ShippingMethod, ShippingZone, ShippingZoneId, ShippingZoneInput, ShippingZonePatch,
    method_code,
};
pub use tax::{TaxRate, TaxRateId, TaxRateInput, TaxRatePatch, TaxTable};
pub use vat_number::can_exempt;
