//! How an admin's `PATCH` reads (spec §5): only the fields sent change. A field sent is read
//! exactly as the create body reads it, so `null` clears a field that may be empty and is
//! refused for one that may not; a field left out keeps its stored value.

use serde::{Deserialize, Deserializer};

/// `deserialize_with` for a patch's `Option<T>` field (with `#[serde(default)]`): a field that
/// is present is `Some` of its value read as `T`, `null` included when `T` reads it.
pub(crate) fn sent<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}
