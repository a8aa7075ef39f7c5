//! Addresses in checkout and order requests, where billing may be the string `"same"`.

use merx_kernel::{PostalAddress, ValidationErrors};
use serde_json::Value;

use crate::http::error::ApiError;
use crate::http::extract::from_value;

/// An address, or (for billing) the string `"same"`.
pub fn address(value: Option<Value>, field: &str) -> Result<Option<PostalAddress>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("same") => Ok(None),
        Some(v @ Value::Object(_)) => from_value::<PostalAddress>(v).map(Some).map_err(|_| {
            ApiError::validation(&ValidationErrors::single(
                field,
                "must be an address {name, line1, city, postal_code, country, ...}",
            ))
        }),
        Some(_) => Err(ApiError::validation(&ValidationErrors::single(
            field,
            "must be an address object",
        ))),
    }
}

/// The shipping address, which is required.
pub fn shipping_address(value: Option<Value>) -> Result<PostalAddress, ApiError> {
    address(value, "shipping_address")?.ok_or_else(|| {
        ApiError::validation(&ValidationErrors::single("shipping_address", "is required"))
    })
}
