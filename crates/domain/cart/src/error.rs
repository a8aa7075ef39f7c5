use merx_kernel::{StoreError, ValidationErrors};
use merx_pricing::{DiscountRejection, PricingError};

/// A line that cannot have the quantity asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub sku: String,
    pub available_quantity: i64,
    pub requested_quantity: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum CartError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// No such cart, expired, or not the caller's (`cart_not_found`).
    #[error("cart not found")]
    NotFound,
    #[error("cart item not found")]
    ItemNotFound,
    /// Unknown, unpublished or archived product or variant, or priced in another currency
    /// (`invalid_product`).
    #[error("{0}")]
    InvalidProduct(String),
    /// Outside 1..=99 per line (`quantity_invalid`).
    #[error("{0}")]
    QuantityInvalid(String),
    #[error("only {} left of SKU {}", .0.available_quantity, .0.sku)]
    Insufficient(Shortfall),
    /// Neither a user nor a session id to own a new cart.
    #[error("send X-Session-ID or sign in to have a cart")]
    NoOwner,
    #[error("a discount code is applied to this cart already")]
    DiscountAlreadyApplied,
    #[error(transparent)]
    Discount(#[from] DiscountRejection),
    #[error(transparent)]
    Pricing(PricingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<PricingError> for CartError {
    fn from(e: PricingError) -> Self {
        match e {
            PricingError::Discount(r) => Self::Discount(r),
            PricingError::Store(s) => Self::Store(s),
            PricingError::Validation(v) => Self::Validation(v),
            other => Self::Pricing(other),
        }
    }
}
