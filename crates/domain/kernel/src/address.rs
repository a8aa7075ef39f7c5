//! A postal address as clients send it (spec §11): `{name, phone, line1, line2, city, state,
//! postal_code, country}`. Country-specific postal-code rules belong to pricing; this type only
//! guarantees the fields are present and well-formed.

use serde::{Deserialize, Serialize};

use crate::{ValidationErrors, has_control_chars};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub name: String,
    pub phone: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, upper case (`US`, `KR`, `JO`).
    pub country: String,
}

const MAX_FIELD: usize = 200;

/// Whether `code` has the shape of an ISO 3166-1 alpha-2 code as Merx stores it: two ASCII
/// capital letters (callers upper-case first).
#[must_use]
pub fn is_country_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

fn check_text(errors: &mut ValidationErrors, prefix: &str, field: &str, value: &str) {
    if value.chars().count() > MAX_FIELD {
        errors.add(
            format!("{prefix}{field}"),
            format!("must be at most {MAX_FIELD} characters"),
        );
    } else if has_control_chars(value) {
        errors.add(
            format!("{prefix}{field}"),
            "must not contain control characters",
        );
    }
}

impl PostalAddress {
    /// Trims every field, upper-cases the country and checks the required fields.
    /// `prefix` names the field path in errors (e.g. `shipping_address.`).
    ///
    /// # Errors
    /// Every missing or malformed field, named with `prefix`.
    pub fn normalized(mut self, prefix: &str) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let required = [
            ("name", &mut self.name),
            ("line1", &mut self.line1),
            ("city", &mut self.city),
            ("postal_code", &mut self.postal_code),
        ];
        for (field, value) in required {
            *value = value.trim().to_owned();
            if value.is_empty() {
                errors.add(format!("{prefix}{field}"), "is required");
            } else {
                check_text(&mut errors, prefix, field, value);
            }
        }
        let optional = [
            ("phone", &mut self.phone),
            ("line2", &mut self.line2),
            ("state", &mut self.state),
        ];
        for (field, value) in optional {
            *value = value
                .take()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
            if let Some(v) = value {
                check_text(&mut errors, prefix, field, v);
            }
        }
        self.country = self.country.trim().to_ascii_uppercase();
        if !is_country_code(&self.country) {
            errors.add(
                format!("{prefix}country"),
                "must be an ISO 3166-1 alpha-2 code such as US",
            );
        }
        errors.into_result()?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PostalAddress {
        PostalAddress {
            name: " Kim Minji ".into(),
            phone: Some("  ".into()),
            line1: "12 Sejong-daero".into(),
            line2: None,
            city: "Seoul".into(),
            state: None,
            postal_code: "04524".into(),
            country: "kr".into(),
        }
    }

    #[test]
    fn normalising_trims_and_upper_cases_the_country() {
        let a = sample().normalized("").expect("valid");
        assert_eq!(a.name, "Kim Minji");
        assert_eq!(a.country, "KR");
        assert_eq!(a.phone, None);
    }

    #[test]
    fn missing_fields_are_reported_with_their_path() {
        let mut a = sample();
        a.line1 = " ".into();
        a.country = "KOR".into();
        let err = a.normalized("shipping_address.").expect_err("invalid");
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["shipping_address.line1", "shipping_address.country"]
        );
    }

    #[test]
    fn control_characters_and_overlong_optional_fields_are_refused() {
        let mut a = sample();
        a.city = "Seo\u{0}ul".into();
        a.line2 = Some("x".repeat(201));
        let err = a.normalized("").expect_err("invalid");
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["city", "line2"]);
    }
}
