//! A saved address as the address book and a personal-data export show it.

use merx_identity::SavedAddress;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AddressResponse {
    pub id: uuid::Uuid,
    /// `shipping` or `billing`.
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub phone: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub is_default: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<SavedAddress> for AddressResponse {
    fn from(s: SavedAddress) -> Self {
        let a = s.address;
        Self {
            id: *s.id.as_uuid(),
            kind: s.kind.as_str().to_owned(),
            name: a.name,
            phone: a.phone,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            state: a.state,
            postal_code: a.postal_code,
            country: a.country,
            is_default: s.is_default,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}
