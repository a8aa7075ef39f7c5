use serde::Serialize;

/// One invalid field of a request, as listed in the `details.fields` of a 422 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// All the invalid fields of one request. Domain constructors collect every problem before
/// failing so a client can fix a form in one round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("invalid fields: {}", self.fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>().join(", "))]
pub struct ValidationErrors {
    pub fields: Vec<FieldError>,
}

impl ValidationErrors {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.fields.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Adds every field of `other`.
    pub fn extend(&mut self, other: Self) {
        self.fields.extend(other.fields);
    }

    /// Records the error of `result` under `field` and returns its value, if any.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `Ok(())` when nothing was recorded.
    ///
    /// # Errors
    /// Returns `self` when any field was recorded.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// Whether text holds control characters (NUL, newlines, escapes...). No name, address line
/// or label needs one, and Postgres cannot even store a NUL.
#[must_use]
pub fn has_control_chars(text: &str) -> bool {
    text.chars().any(char::is_control)
}

/// Whether a JSON object holds a NUL anywhere in its keys or strings (Postgres `jsonb` cannot
/// store one).
#[must_use]
pub fn json_has_nul(object: &serde_json::Map<String, serde_json::Value>) -> bool {
    fn value_has_nul(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::String(s) => s.contains('\0'),
            serde_json::Value::Array(items) => items.iter().any(value_has_nul),
            serde_json::Value::Object(map) => json_has_nul(map),
            _ => false,
        }
    }
    object
        .iter()
        .any(|(k, v)| k.contains('\0') || value_has_nul(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_found_at_any_depth() {
        let clean: serde_json::Value = serde_json::json!({"a": ["b", {"c": "d"}]});
        let deep: serde_json::Value = serde_json::json!({"a": ["b", {"c": "d\u{0}"}]});
        let key: serde_json::Value = serde_json::json!({"k\u{0}": 1});
        for (v, expected) in [(clean, false), (deep, true), (key, true)] {
            assert_eq!(json_has_nul(v.as_object().expect("object")), expected);
        }
    }

    #[test]
    fn control_characters_are_spotted() {
        assert!(has_control_chars("a\u{0}b"));
        assert!(has_control_chars("line\nbreak"));
        assert!(!has_control_chars("서울 Seoul — 04524"));
    }

    #[test]
    fn collects_every_field_before_failing() {
        let mut errors = ValidationErrors::new();
        let n: Option<u8> = errors.check("age", "x".parse::<u8>());
        assert!(n.is_none());
        errors.add("email", "is not an email address");
        let err = errors.into_result().expect_err("two fields are invalid");
        assert_eq!(err.fields.len(), 2);
        assert_eq!(err.fields[0].field, "age");
        assert_eq!(err.to_string(), "invalid fields: age, email");
    }

    #[test]
    fn an_empty_collection_is_ok() {
        assert!(ValidationErrors::new().into_result().is_ok());
    }
}
