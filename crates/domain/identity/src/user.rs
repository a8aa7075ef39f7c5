use std::fmt;

use merx_kernel::{Timestamp, ValidationErrors, has_control_chars, json_has_nul, typed_id};
use serde::{Deserialize, Serialize};
use validator::ValidateEmail;

use crate::PasswordHash;

typed_id!(
    /// Identifies a user (customer or admin).
    UserId
);

/// An email address, trimmed and lower-cased so that uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// # Errors
    /// A message when the text is not a plausible email address.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let normalized = raw.trim().to_lowercase();
        if normalized.len() > 254 || !normalized.validate_email() {
            return Err("must be a valid email address");
        }
        Ok(Self(normalized))
    }

    /// Wraps an address read back from storage, where it was stored normalised.
    #[must_use]
    pub fn from_stored(email: String) -> Self {
        Self(email)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Admin,
}

impl Role {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Admin => "admin",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "customer" => Some(Self::Customer),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A person with an account. Customers carry free-form `attributes` (a skincare shop keeps the
/// skin type there).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub password_hash: PasswordHash,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub role: Role,
    pub is_active: bool,
    pub is_verified: bool,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A partial update of a user's profile; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserPatch {
    pub full_name: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    /// Admins only, and never on their own account.
    pub role: Option<Role>,
    /// Admins only, and never on their own account. A deactivated user is signed out.
    pub is_active: Option<bool>,
}

pub(crate) const MAX_NAME: usize = 200;
pub(crate) const MAX_PHONE: usize = 40;

/// Trims an optional text field; blank means absent.
pub(crate) fn optional_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<String>,
    max: usize,
) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(v) = &value {
        if v.chars().count() > max {
            errors.add(field, format!("must be at most {max} characters"));
        } else if has_control_chars(v) {
            errors.add(field, "must not contain control characters");
        }
    }
    value
}

/// Free-form attributes may hold any JSON except NUL characters, which Postgres cannot store.
/// Customer attributes are a profile, not a document store (spec §17).
pub const MAX_ATTRIBUTES_BYTES: usize = 16 * 1024;

pub(crate) fn check_attributes(
    errors: &mut ValidationErrors,
    attributes: &serde_json::Map<String, serde_json::Value>,
) {
    if json_has_nul(attributes) {
        errors.add("attributes", "must not contain NUL characters");
    }
    if serde_json::to_vec(attributes).map_or(true, |b| b.len() > MAX_ATTRIBUTES_BYTES) {
        errors.add("attributes", "must be at most 16 KiB of JSON");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_to_lower_case() {
        let email = Email::parse("  Ana.Kim@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "ana.kim@example.com");
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in ["", "no-at-sign", "a@", "@b.com", "a b@c.com"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in [Role::Customer, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
