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
            CartError::Insufficient(s) => {
                let line = json!({
                    "sku": s.sku,
                    "available_quantity": s.available_quantity,
                    "requested_quantity": s.requested_quantity,
                });
                // The line's facts at the top, and as the one-line list checkout also sends.
                let mut details = line.clone();
                details["lines"] = json!([line]);
                Self::new(StatusCode::CONFLICT, "insufficient_inventory", message)
                    .with_details(details)
            }
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
