//! A user as the API shows it, shared by the auth and customer routes.

use merx_identity::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserResponse {
    pub id: uuid::Uuid,
    pub email: String,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    /// `customer` or `admin`.
    pub role: String,
    /// `role == "admin"`, for clients written against `is_admin`.
    pub is_admin: bool,
    pub is_active: bool,
    pub is_verified: bool,
    /// Free-form customer attributes (a skincare shop keeps the skin type here).
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<User> for UserResponse {
    fn from(u: User) -> Self {
        Self {
            id: *u.id.as_uuid(),
            email: u.email.as_str().to_owned(),
            full_name: u.full_name,
            phone: u.phone,
            role: u.role.as_str().to_owned(),
            is_admin: u.role == merx_identity::Role::Admin,
            is_active: u.is_active,
            is_verified: u.is_verified,
            attributes: u.attributes,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}
