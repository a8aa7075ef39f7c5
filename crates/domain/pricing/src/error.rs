use merx_kernel::{Currency, StoreError, ValidationErrors};

use crate::DiscountRejection;
use crate::destination::DestinationError;

#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The postal code does not fit the country (`invalid_postal_code`).
    #[error("{field}: {message}")]
    InvalidPostalCode { field: String, message: String },
    #[error("a line is priced in {found}, the cart in {expected}")]
    CurrencyMismatch { expected: Currency, found: Currency },
    #[error("quantities are at least 1; prices and weights are not negative")]
    InvalidQuantity,
    #[error("an amount is too large")]
    Overflow,
    /// The method is not offered at that destination, or not in that currency.
    #[error("shipping method `{0}` is not offered for this address")]
    ShippingUnavailable(String),
    #[error(transparent)]
    Discount(#[from] DiscountRejection),
    #[error("discount code `{0}` is taken")]
    CodeTaken(String),
    #[error("a tax rate for this country and state exists already")]
    TaxRateTaken,
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PartialEq for PricingError {
    fn eq(&self, other: &Self) -> bool {
        // Store errors never compare equal; the rest by their message.
        !matches!(self, Self::Store(_)) && self.to_string() == other.to_string()
    }
}

impl From<DestinationError> for PricingError {
    fn from(e: DestinationError) -> Self {
        match e {
            DestinationError::Invalid(v) => Self::Validation(v),
            DestinationError::PostalCode { field, message } => {
                Self::InvalidPostalCode { field, message }
            }
        }
    }
}
