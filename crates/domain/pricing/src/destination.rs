use merx_kernel::{PostalAddress, ValidationErrors, has_control_chars, is_country_code};
use serde::{Deserialize, Serialize};

use crate::validate_postal_code;

/// Where an order ships: what tax and shipping depend on. Country upper case, state upper
/// case when present, postal code checked against the country's format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    pub country: String,
    pub state: Option<String>,
    pub city: Option<String>,
    pub postal_code: String,
}

impl Destination {
    /// Normalises the fields and validates the postal code for the country.
    /// `prefix` names the field path in errors (`shipping_address.`).
    ///
    /// # Errors
    /// `country` not an alpha-2 code, or an odd `state`/`city` (validation errors); a postal
    /// code that does not fit the country comes back as the one `postal_code` field error so
    /// the HTTP layer can answer `invalid_postal_code`.
    pub fn new(
        country: &str,
        state: Option<&str>,
        city: Option<&str>,
        postal_code: &str,
        prefix: &str,
    ) -> Result<Self, DestinationError> {
        let mut errors = ValidationErrors::new();
        let country = country.trim().to_ascii_uppercase();
        if !is_country_code(&country) {
            errors.add(
                format!("{prefix}country"),
                "must be an ISO 3166-1 alpha-2 code such as US",
            );
        }
        let clean = |field: &str, v: Option<&str>, errors: &mut ValidationErrors| {
            let v = v.map(str::trim).filter(|v| !v.is_empty())?;
            if v.chars().count() > 100 || has_control_chars(v) {
                errors.add(
                    format!("{prefix}{field}"),
                    "must be at most 100 characters, without control characters",
                );
                return None;
            }
            Some(v.to_owned())
        };
        let state = clean("state", state, &mut errors).map(|s| s.to_uppercase());
        let city = clean("city", city, &mut errors);
        errors.into_result().map_err(DestinationError::Invalid)?;
        let postal_code = validate_postal_code(&country, postal_code).map_err(|message| {
            DestinationError::PostalCode {
                field: format!("{prefix}postal_code"),
                message,
            }
        })?;
        Ok(Self {
            country,
            state,
            city,
            postal_code,
        })
    }

    /// # Errors
    /// As for [`Destination::new`].
    pub fn of_address(address: &PostalAddress, prefix: &str) -> Result<Self, DestinationError> {
        Self::new(
            &address.country,
            address.state.as_deref(),
            Some(&address.city),
            &address.postal_code,
            prefix,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error(transparent)]
    Invalid(ValidationErrors),
    #[error("{field}: {message}")]
    PostalCode { field: String, message: String },
}
