//! A person's data export (spec §19): `GET /me/export` for the customer, `GET
//! /customers/{id}/export` for admins. One JSON document with everything Merx keeps about them.

use actix_web::{HttpResponse, get, web};
use merx_cart::Cart;
use merx_identity::UserId;
use merx_privacy::{PersonalData, PrivacyError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::bodies::audit_entry::AuditEntryBody;
use crate::http::bodies::order::{OrderBody, order_body};
use crate::http::bodies::refund::RefundBody;
use crate::http::bodies::review::ReviewBody;
use crate::http::bodies::saved_address::AddressResponse;
use crate::http::bodies::user::UserResponse;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Caller, path_id};
use crate::state::AppState;

impl From<PrivacyError> for ApiError {
    fn from(e: PrivacyError) -> Self {
        match e {
            PrivacyError::NotFound => Self::not_found("no such customer"),
            PrivacyError::Store(s) => s.into(),
        }
    }
}

/// A cart line as kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportCartItemBody {
    pub id: uuid::Uuid,
    pub product_id: uuid::Uuid,
    pub variant_id: uuid::Uuid,
    pub quantity: i64,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub added_at: chrono::DateTime<chrono::Utc>,
}

/// A cart as kept (not priced: what it holds, not what it would cost now).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportCartBody {
    pub id: uuid::Uuid,
    pub currency: String,
    pub discount_code: Option<String>,
    pub items: Vec<ExportCartItemBody>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

impl From<Cart> for ExportCartBody {
    fn from(c: Cart) -> Self {
        Self {
            id: *c.id.as_uuid(),
            currency: c.currency.code().to_owned(),
            discount_code: c.discount_code,
            items: c
                .items
                .into_iter()
                .map(|i| ExportCartItemBody {
                    id: *i.id.as_uuid(),
                    product_id: *i.product_id.as_uuid(),
                    variant_id: *i.variant_id.as_uuid(),
                    quantity: i.quantity,
                    metadata: i.metadata,
                    added_at: i.added_at,
                })
                .collect(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            expires_at: c.expires_at,
        }
    }
}

/// Everything Merx keeps about one person.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportBody {
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub user: UserResponse,
    pub addresses: Vec<AddressResponse>,
    pub carts: Vec<ExportCartBody>,
    /// With their items, addresses and payments; newest first.
    pub orders: Vec<OrderBody>,
    pub reviews: Vec<ReviewBody>,
    pub refunds: Vec<RefundBody>,
    /// The admin and API-key writes that name the person or that they made, newest first.
    pub audit_entries: Vec<AuditEntryBody>,
}

fn export_body(data: PersonalData, admin: bool) -> ExportBody {
    ExportBody {
        generated_at: data.generated_at,
        user: data.user.into(),
        addresses: data.addresses.into_iter().map(Into::into).collect(),
        carts: data.carts.into_iter().map(Into::into).collect(),
        orders: data.orders.iter().map(|o| order_body(o, admin)).collect(),
        reviews: data.reviews.into_iter().map(Into::into).collect(),
        refunds: data.refunds.into_iter().map(Into::into).collect(),
        audit_entries: data.audit_entries.into_iter().map(Into::into).collect(),
    }
}

/// Everything Merx keeps about the signed-in customer.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "customers", security(("bearer" = [])),
    responses((status = 200, body = ExportBody), (status = 401, body = ErrorBody),
              (status = 403, description = "an API key is nobody", body = ErrorBody)))]
#[get("/me/export")]
pub async fn mine(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let user = caller.0.user_id().ok_or_else(ApiError::forbidden)?;
    let data = state.privacy.export(user).await?;
    Ok(HttpResponse::Ok().json(export_body(data, false)))
}

/// Everything Merx keeps about a customer (admin).
#[utoipa::path(get, path = "/api/v1/customers/{id}/export", tag = "customers",
    security(("bearer" = []), ("api_key" = [])), params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ExportBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/customers/{id}/export")]
pub async fn customer(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: UserId = path_id(&id, "id")?;
    let data = state.privacy.export(id).await?;
    Ok(HttpResponse::Ok().json(export_body(data, true)))
}
