//! PATCH semantics: a field left out means "keep", `null` means "clear".

use serde::{Deserialize, Deserializer};

/// Reads a present field (even `null`) as `Some(..)`; with `#[serde(default)]` an absent one
/// stays `None`.
///
/// # Errors
/// When the value has the wrong type.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct P {
        #[serde(default, deserialize_with = "double_option")]
        phone: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_are_three_different_things() {
        let absent: P = serde_json::from_str("{}").expect("valid");
        let null: P = serde_json::from_str(r#"{"phone": null}"#).expect("valid");
        let value: P = serde_json::from_str(r#"{"phone": "010"}"#).expect("valid");
        assert_eq!(absent.phone, None);
        assert_eq!(null.phone, Some(None));
        assert_eq!(value.phone, Some(Some("010".into())));
    }
}
