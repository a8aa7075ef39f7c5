//! How cart and pricing errors reach clients: the spec's codes and statuses (§1).

use actix_web::http::StatusCode;
use merx_cart::CartError;
use merx_pricing::{DiscountRejection, PricingError};
use serde_json::json;

use crate::http::error::ApiError;

impl From<DiscountRejection> for ApiError {
    fn from(r: DiscountRejection) -> Self {
        let message = r.to_string();
        match r {
            DiscountRejection::Unknown
            | DiscountRejection::Inactive
            | DiscountRejection::NotStarted => {
                Self::new(StatusCode::BAD_REQUEST, "discount_invalid", message)
            }
            DiscountRejection::WrongCurrency(c) => {
                Self::new(StatusCode::BAD_REQUEST, "discount_invalid", message)
                    .with_details(json!({ "currency": c }))
            }
            DiscountRejection::Expired => Self::new(StatusCode::GONE, "discount_expired", message),
            DiscountRejection::Exhausted => {
                Self::new(StatusCode::GONE, "discount_expired", message)
                    .with_details(json!({ "reason": "usage_limit_reached" }))
            }
            DiscountRejection::MinimumNotMet(min) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "discount_minimum_not_met",
                message,
            )
            .with_details(json!({ "minimum_order_amount": min })),
        }
    }
}

impl From<PricingError> for ApiError {
    fn from(e: PricingError) -> Self {
        let message = e.to_string();
        match e {
            PricingError::Validation(v) => Self::validation(&v),
            PricingError::InvalidPostalCode { field, message } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_postal_code",
                message.clone(),
            )
            .with_details(json!({ "fields": [{ "field": field, "message": message }] })),
            PricingError::CurrencyMismatch { .. } => {
                Self::new(StatusCode::BAD_REQUEST, "invalid_product", message)
            }
            PricingError::InvalidQuantity => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "quantity_invalid",
                message,
            ),
            PricingError::Overflow => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_error",
                "an amount is too large",
            ),
            PricingError::ShippingUnavailable(code) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "shipping_unavailable",
                message,
            )
            .with_details(json!({ "shipping_method": code })),
            PricingError::Discount(r) => r.into(),
            PricingError::CodeTaken(code) => Self::new(StatusCode::CONFLICT, "code_taken", message)
                .with_details(json!({ "code": code })),
            PricingError::TaxRateTaken => {
                Self::new(StatusCode::CONFLICT, "tax_rate_taken", message)
            }
            PricingError::NotFound => Self::not_found("not found"),
            PricingError::Store(s) => s.into(),
        }
    }
}

impl From<CartError> for ApiError {
    fn from(e: CartError) -> Self {
        let message = e.to_string();
        match e {
            CartError::Validation(v) => Self::validation(&v),
            CartError::NotFound => Self::new(StatusCode::NOT_FOUND, "cart_not_found", message),
            CartError::ItemNotFound => Self::not_found(message),
            CartError::InvalidProduct(_) => {
                Self::new(StatusCode::BAD_REQUEST, "invalid_product", message)
            }
            CartError::QuantityInvalid(_) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "quantity_invalid",
                message,
            ),
            CartError::Insufficient(s) => insufficient(&[s]),
            CartError::NoOwner => Self::new(StatusCode::BAD_REQUEST, "bad_request", message),
            CartError::DiscountAlreadyApplied => {
                Self::new(StatusCode::CONFLICT, "discount_already_applied", message)
            }
            CartError::Discount(r) => r.into(),
            CartError::Pricing(p) => p.into(),
            CartError::Store(s) => s.into(),
        }
    }
}

fn insufficient(lines: &[merx_cart::Shortfall]) -> ApiError {
    let list: Vec<_> = lines
        .iter()
        .map(|s| {
            json!({
                "sku": s.sku,
                "available_quantity": s.available_quantity,
                "requested_quantity": s.requested_quantity,
            })
        })
        .collect();
    let message = match lines {
        [one] => format!("Only {} left of SKU {}", one.available_quantity, one.sku),
        _ => format!("Not enough stock for {} lines", lines.len()),
    };
    // The first line's facts at the top (as the cart sends them), and every short line.
    let mut details = list.first().cloned().unwrap_or_else(|| json!({}));
    details["lines"] = json!(list);
    ApiError::new(StatusCode::CONFLICT, "insufficient_inventory", message).with_details(details)
}

impl From<merx_payments::PaymentError> for ApiError {
    fn from(e: merx_payments::PaymentError) -> Self {
        let message = e.to_string();
        match e {
            merx_payments::PaymentError::Unavailable(method) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "payment_method_unavailable",
                message,
            )
            .with_details(json!({ "payment_method": method })),
            merx_payments::PaymentError::Declined(code) => {
                Self::new(StatusCode::PAYMENT_REQUIRED, "payment_failed", message)
                    .with_details(json!({ "provider_code": code }))
            }
            merx_payments::PaymentError::Provider(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "payment_provider_error", message)
            }
            merx_payments::PaymentError::Verification(_) => Self::new(
                StatusCode::BAD_REQUEST,
                "webhook_verification_failed",
                message,
            ),
        }
    }
}

impl From<merx_orders::OrderError> for ApiError {
    fn from(e: merx_orders::OrderError) -> Self {
        let message = e.to_string();
        match e {
            merx_orders::OrderError::Validation(v) => Self::validation(&v),
            merx_orders::OrderError::NotFound => {
                Self::new(StatusCode::NOT_FOUND, "order_not_found", message)
            }
            merx_orders::OrderError::InvalidTransition(t) => {
                Self::new(StatusCode::CONFLICT, "invalid_transition", message)
                    .with_details(json!({ "from": t.from.as_str(), "to": t.to.as_str() }))
            }
            merx_orders::OrderError::Store(s) => s.into(),
        }
    }
}

impl From<merx_checkout::CheckoutError> for ApiError {
    fn from(e: merx_checkout::CheckoutError) -> Self {
        use merx_checkout::CheckoutError as E;
        let message = e.to_string();
        match e {
            E::Validation(v) => Self::validation(&v),
            E::Cart(c) => c.into(),
            E::Pricing(p) => p.into(),
            E::EmptyCart => Self::new(StatusCode::BAD_REQUEST, "empty_cart", message),
            E::NotFound => Self::new(StatusCode::NOT_FOUND, "checkout_not_found", message),
            E::Expired(_) => Self::new(StatusCode::GONE, "checkout_expired", message),
            E::Insufficient(lines) => insufficient(&lines),
            E::PaymentRequired => Self::new(StatusCode::CONFLICT, "payment_required", message),
            E::PaymentMismatch(_) => Self::new(StatusCode::CONFLICT, "payment_mismatch", message),
            E::AmountMismatch(expected) => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "amount_mismatch", message)
                    .with_details(json!({
                        "amount": expected.amount(),
                        "currency": expected.currency().code(),
                    }))
            }
            E::Payment(p) => p.into(),
            E::SessionClosed(_) => Self::new(StatusCode::CONFLICT, "invalid_transition", message),
            E::Order(o) => o.into(),
            E::Refund(r) => r.into(),
            E::Forbidden => Self::forbidden(),
            E::ReservationNotFound => {
                Self::new(StatusCode::NOT_FOUND, "reservation_not_found", message)
            }
            E::Store(s) => s.into(),
        }
    }
}

impl From<merx_orders::RefundRefusal> for ApiError {
    fn from(r: merx_orders::RefundRefusal) -> Self {
        use merx_orders::RefundRefusal as R;
        let message = r.to_string();
        match r {
            R::NothingToRefund => Self::new(StatusCode::CONFLICT, "nothing_to_refund", message),
            R::ExceedsCaptured { refundable } => {
                Self::new(StatusCode::CONFLICT, "refund_exceeds_captured", message)
                    .with_details(json!({ "refundable": refundable }))
            }
            R::NotPositive => Self::validation(&merx_kernel::ValidationErrors::single(
                "amount",
                "must be a positive number of minor units",
            )),
        }
    }
}

impl From<merx_sync::SyncError> for ApiError {
    fn from(e: merx_sync::SyncError) -> Self {
        use merx_sync::SyncError as S;
        let message = e.to_string();
        match e {
            S::NotConfigured => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "woocommerce_unavailable",
                "WooCommerce is not configured (WOOCOMMERCE_URL)",
            ),
            S::Validation(v) => Self::validation(&v),
            S::ProductNotFound => Self::new(StatusCode::NOT_FOUND, "product_not_found", message),
            S::VariantNotFound => Self::not_found(message),
            S::OrderNotFound => Self::new(StatusCode::NOT_FOUND, "order_not_found", message),
            S::Remote(remote) => {
                tracing::warn!(error = %remote, "woocommerce call failed");
                Self::new(StatusCode::BAD_GATEWAY, "woocommerce_sync_failed", message)
            }
            S::Stock(s) => s.into(),
            S::Store(s) => s.into(),
        }
    }
}

impl From<merx_reviews::ReviewError> for ApiError {
    fn from(e: merx_reviews::ReviewError) -> Self {
        use merx_reviews::ReviewError as E;
        let message = e.to_string();
        match e {
            E::Validation(v) => Self::validation(&v),
            E::ProductNotFound => Self::new(StatusCode::NOT_FOUND, "product_not_found", message),
            E::NotFound => Self::not_found(message),
            E::Exists => Self::new(StatusCode::CONFLICT, "review_exists", message),
            E::Forbidden => Self::forbidden(),
            E::Store(s) => s.into(),
        }
    }
}
