//! `/customers/{id}`: a customer's profile, for that customer or an admin.

use actix_web::{HttpResponse, get, patch, web};
use merx_identity::{UserId, UserPatch};
use merx_kernel::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::bodies::user::UserResponse;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Caller, Json, path_id};
use crate::http::patch::double_option;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CustomerPatchRequest {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// Replaces the whole attributes object.
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A short view of one past order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSummary {
    pub id: uuid::Uuid,
    pub order_number: String,
    pub status: String,
    pub total: i64,
    pub currency: String,
    pub item_count: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderHistory {
    /// Every order of the customer.
    pub count: u64,
    /// The newest five.
    pub recent: Vec<OrderSummary>,
}

/// The profile with the order history summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerResponse {
    #[serde(flatten)]
    pub user: UserResponse,
    pub orders: OrderHistory,
}

/// A customer's profile and order history. Anyone but that customer or an admin gets 404.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CustomerResponse), (status = 404, body = ErrorBody)))]
#[get("/customers/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: UserId = path_id(&id, "id")?;
    let user = state.auth.get_user(&caller.0, id).await?;
    let page = state
        .checkout
        .orders()
        .of_customer(id, PageRequest::new(Some(1), Some(5))?)
        .await?;
    Ok(HttpResponse::Ok().json(CustomerResponse {
        user: UserResponse::from(user),
        orders: OrderHistory {
            count: page.total,
            recent: page
                .items
                .iter()
                .map(|o| OrderSummary {
                    id: *o.id.as_uuid(),
                    order_number: o.number.to_string(),
                    status: o.status.as_str().to_owned(),
                    total: o.totals.total,
                    currency: o.currency.code().to_owned(),
                    item_count: o.items.iter().map(|i| i.quantity).sum(),
                    created_at: o.created_at,
                })
                .collect(),
        },
    }))
}

/// Edits a customer's name, phone or attributes.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)), request_body = CustomerPatchRequest,
    responses((status = 200, body = UserResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/customers/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<CustomerPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: UserId = path_id(&id, "id")?;
    let Json(r) = body;
    let patch = UserPatch {
        full_name: r.full_name,
        phone: r.phone,
        attributes: r.attributes,
    };
    let user = state.auth.update_user(&caller.0, id, patch).await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}
