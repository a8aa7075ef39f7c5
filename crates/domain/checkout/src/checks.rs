//! The checks a checkout request passes before anything is priced or held.

use merx_identity::Email;
use merx_kernel::{PostalAddress, ValidationErrors, has_control_chars, json_has_nul};
use merx_pricing::Destination;
use serde_json::{Map, Value};

use crate::{CheckoutError, SessionMode};

const MAX_URL: usize = 2048;
const METADATA_MAX_BYTES: usize = 16 * 1024;
const MAX_NOTES: usize = 2000;

/// Checked e-mail, addresses and shipping method: what sessions and orders placed first share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Delivery {
    pub email: String,
    pub shipping: PostalAddress,
    pub billing: PostalAddress,
    pub billing_same: bool,
    pub destination: Destination,
    pub shipping_method: String,
}

impl Delivery {
    /// Checks every field, reporting all that are wrong at once. Without a billing address
    /// the shipping address bills; without `email` a guest cannot check out.
    pub fn check(
        email: Option<&str>,
        shipping: PostalAddress,
        billing: Option<PostalAddress>,
        method: &str,
        tax_id: Option<&str>,
    ) -> Result<Self, CheckoutError> {
        let mut errors = ValidationErrors::new();
        let email = check_email(email, &mut errors);
        let shipping = shipping
            .normalized("shipping_address.")
            .map_err(|e| errors.extend(e))
            .ok();
        let billing_same = billing.is_none();
        let billing = match billing {
            Some(b) => b
                .normalized("billing_address.")
                .map_err(|e| errors.extend(e))
                .ok(),
            None => shipping.clone(),
        };
        let shipping_method = merx_pricing::method_code(method);
        if tax_id.is_some_and(|t| t.chars().count() > 50 || has_control_chars(t)) {
            errors.add(
                "tax_id",
                "must be at most 50 characters, without control characters",
            );
        }
        if shipping_method.is_empty() || shipping_method.len() > 50 {
            errors.add("shipping_method", "is required");
        }
        errors.into_result()?;
        let (Some(shipping), Some(billing)) = (shipping, billing) else {
            return Err(ValidationErrors::single("shipping_address", "is invalid").into());
        };
        let destination = Destination::new(
            &shipping.country,
            shipping.state.as_deref(),
            Some(&shipping.city),
            &shipping.postal_code,
            "shipping_address.",
        )
        .map_err(merx_pricing::PricingError::from)?;
        Ok(Self {
            email,
            shipping,
            billing,
            billing_same,
            destination,
            shipping_method,
        })
    }
}

fn check_email(raw: Option<&str>, errors: &mut ValidationErrors) -> String {
    match raw.map(Email::parse) {
        Some(Ok(e)) => e.as_str().to_owned(),
        Some(Err(m)) => {
            errors.add("email", m);
            String::new()
        }
        None => {
            errors.add("email", "is required for guest checkout");
            String::new()
        }
    }
}

/// A session's own options: its mode (`redirect` by default, or `embedded`), the return URLs
/// and free metadata (at most 16 KiB). Answers the mode.
pub(crate) fn check_session_options(
    mode: Option<&str>,
    success_url: Option<&str>,
    cancel_url: Option<&str>,
    metadata: &Map<String, Value>,
) -> Result<SessionMode, CheckoutError> {
    let mut errors = ValidationErrors::new();
    let mode = match mode.map(str::trim) {
        None => Some(SessionMode::default()),
        Some(m) => SessionMode::parse(m),
    };
    if mode.is_none() {
        errors.add("mode", "must be redirect or embedded");
    }
    for (field, url) in [("success_url", success_url), ("cancel_url", cancel_url)] {
        if let Some(u) = url
            && (u.len() > MAX_URL
                || has_control_chars(u)
                || !(u.starts_with("https://") || u.starts_with("http://")))
        {
            errors.add(field, "must be an http(s) URL");
        }
    }
    if json_has_nul(metadata)
        || Value::Object(metadata.clone()).to_string().len() > METADATA_MAX_BYTES
    {
        errors.add("metadata", "must be at most 16 KiB, without NUL characters");
    }
    errors.into_result()?;
    Ok(mode.unwrap_or_default())
}

/// An order's notes: at most 2000 characters, no NUL; blank notes are none.
pub(crate) fn check_notes(notes: Option<String>) -> Result<Option<String>, CheckoutError> {
    if let Some(n) = &notes
        && (n.chars().count() > MAX_NOTES || n.contains('\0'))
    {
        return Err(ValidationErrors::single(
            "notes",
            "must be at most 2000 characters, without NUL",
        )
        .into());
    }
    Ok(notes.filter(|n| !n.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(country: &str, postal_code: &str) -> PostalAddress {
        PostalAddress {
            name: "Ada".into(),
            phone: None,
            line1: "1 Main St".into(),
            line2: None,
            city: "Seoul".into(),
            state: None,
            postal_code: postal_code.into(),
            country: country.into(),
        }
    }

    fn fields(e: CheckoutError) -> Vec<String> {
        match e {
            CheckoutError::Validation(v) => v.fields.into_iter().map(|f| f.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let err = Delivery::check(None, address("KR", "04524"), None, " ", Some("x\u{7}"))
            .expect_err("invalid");
        assert_eq!(fields(err), ["email", "tax_id", "shipping_method"]);
    }

    #[test]
    fn billing_defaults_to_shipping_and_methods_are_codes() {
        let d = Delivery::check(
            Some("Ada@Example.com"),
            address("KR", "04524"),
            None,
            " Standard ",
            None,
        )
        .expect("valid");
        assert!(d.billing_same);
        assert_eq!(d.billing, d.shipping);
        assert_eq!(d.shipping_method, "standard");
        assert_eq!(d.email, "ada@example.com");
    }

    #[test]
    fn session_options_and_notes_are_bounded() {
        let none = Map::new();
        assert_eq!(
            check_session_options(None, None, None, &none).expect("defaults"),
            SessionMode::Redirect
        );
        assert_eq!(
            check_session_options(Some(" embedded "), None, None, &none).expect("embedded"),
            SessionMode::Embedded
        );
        let err = check_session_options(Some("popup"), Some("ftp://x"), None, &none)
            .expect_err("invalid");
        assert_eq!(fields(err), ["mode", "success_url"]);
        assert_eq!(check_notes(Some("  ".into())).expect("blank"), None);
        assert!(check_notes(Some("a\0b".into())).is_err());
    }
}
