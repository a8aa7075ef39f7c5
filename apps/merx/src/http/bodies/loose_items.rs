//! Loose items (`[{variant_id, quantity}]`) that calculators and orders take instead of a
//! cart.

use merx_kernel::VariantId;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::http::bodies::cart::quantity_of;
use crate::http::error::ApiError;

/// One loose item; `quantity` is read as a cart line's is.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LooseItem {
    pub variant_id: uuid::Uuid,
    #[schema(value_type = i64)]
    pub quantity: Value,
}

/// `(variant, quantity)` pairs of loose items, each quantity read as a cart line's is.
///
/// # Errors
/// `quantity_invalid` for a quantity that is not a whole number.
pub fn loose_items(items: &[LooseItem]) -> Result<Vec<(VariantId, i64)>, ApiError> {
    items
        .iter()
        .map(|i| {
            quantity_of(Some(&i.quantity), None).map(|q| (VariantId::from_uuid(i.variant_id), q))
        })
        .collect()
}
