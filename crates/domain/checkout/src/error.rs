use merx_cart::{CartError, Shortfall};
use merx_kernel::{StoreError, ValidationErrors};
use merx_orders::{InvalidTransition, OrderError};
use merx_payments::PaymentError;
use merx_pricing::{DiscountRejection, PricingError};

#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// The cart's own errors: `cart_not_found`, `invalid_product`, `quantity_invalid`…
    #[error(transparent)]
    Cart(CartError),
    #[error(transparent)]
    Pricing(PricingError),
    #[error("the cart is empty")]
    EmptyCart,
    /// No such session, or not the caller's (`checkout_not_found`).
    #[error("checkout session not found")]
    NotFound,
    /// The session's (or an unpaid order's) time ran out (`checkout_expired`).
    #[error("{0}")]
    Expired(&'static str),
    /// Every short line, with what is available (`insufficient_inventory`).
    #[error("not enough stock for {} line(s)", .0.len())]
    Insufficient(Vec<Shortfall>),
    /// The payment is not captured yet and the method does not settle on delivery.
    #[error("the payment has not been captured yet")]
    PaymentRequired,
    /// A client's amount or currency is not ours (`amount_mismatch`).
    #[error("the amount must be {0}")]
    AmountMismatch(merx_kernel::Money),
    /// The provider reports a payment for another session or order, or of other money than
    /// ours (`payment_mismatch`): it is applied to nothing.
    #[error("the provider's payment is not this one's: {0}")]
    PaymentMismatch(&'static str),
    #[error(transparent)]
    Payment(#[from] PaymentError),
    /// The session is not open any more (`invalid_transition`).
    #[error("{0}")]
    SessionClosed(String),
    #[error(transparent)]
    Order(OrderError),
    /// Nothing left to refund, or more asked than is left.
    #[error(transparent)]
    Refund(merx_orders::RefundRefusal),
    /// Only admins and API keys may do this (`forbidden`).
    #[error("only an admin or an API key may do this")]
    Forbidden,
    /// No direct reservation of the caller's by that id (`reservation_not_found`).
    #[error("reservation not found")]
    ReservationNotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CartError> for CheckoutError {
    fn from(e: CartError) -> Self {
        match e {
            CartError::Validation(v) => Self::Validation(v),
            CartError::Store(s) => Self::Store(s),
            CartError::Insufficient(s) => Self::Insufficient(vec![s]),
            other => Self::Cart(other),
        }
    }
}

impl From<PricingError> for CheckoutError {
    fn from(e: PricingError) -> Self {
        match e {
            PricingError::Validation(v) => Self::Validation(v),
            PricingError::Store(s) => Self::Store(s),
            other => Self::Pricing(other),
        }
    }
}

impl From<DiscountRejection> for CheckoutError {
    fn from(r: DiscountRejection) -> Self {
        Self::Pricing(PricingError::Discount(r))
    }
}

impl From<OrderError> for CheckoutError {
    fn from(e: OrderError) -> Self {
        match e {
            OrderError::Validation(v) => Self::Validation(v),
            OrderError::Store(s) => Self::Store(s),
            other => Self::Order(other),
        }
    }
}

impl From<InvalidTransition> for CheckoutError {
    fn from(e: InvalidTransition) -> Self {
        Self::Order(OrderError::InvalidTransition(e))
    }
}

impl From<merx_inventory::InventoryError> for CheckoutError {
    fn from(e: merx_inventory::InventoryError) -> Self {
        match e {
            merx_inventory::InventoryError::Validation(v) => Self::Validation(v),
            merx_inventory::InventoryError::Store(s) => Self::Store(s),
            other => Self::Store(StoreError::message(other.to_string())),
        }
    }
}
