//! Customers: created by an admin or an integrator (spec §16) and listed for admins; one
//! customer's profile (`/customers/{id}`) for that customer or an admin.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use merx_identity::{NewCustomer, UserId, UserPatch};
use merx_kernel::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::bodies::user::UserResponse;
use crate::http::cart_caller::CartActor;
use crate::http::error::{ApiError, ErrorBody, current_request_id};
use crate::http::extract::{Admin, Caller, Json, Paging, parse_json, path_id};
use crate::http::idempotency::{Answer, once};
use crate::http::page::PageBody;
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
    /// Replaces the whole attributes object (at most 16 KiB of JSON).
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    /// `customer` or `admin` (admins only, not on their own account).
    #[schema(value_type = Option<String>)]
    pub role: Option<String>,
    /// Admins only, not on their own account; a deactivated user is signed out at once.
    pub is_active: Option<bool>,
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

/// Edits a customer's name, phone or attributes; an admin also their role and active flag.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)), request_body = CustomerPatchRequest,
    responses((status = 200, body = UserResponse), (status = 403, description = "forbidden (a role or active flag from a non-admin)", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/customers/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<CustomerPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: UserId = path_id(&id, "id")?;
    let Json(r) = body;
    let role = match r.role.as_deref() {
        None => None,
        Some(raw) => Some(merx_identity::Role::parse(raw).ok_or_else(|| {
            ApiError::validation(&merx_kernel::ValidationErrors::single(
                "role",
                "must be customer or admin",
            ))
        })?),
    };
    let patch = UserPatch {
        full_name: r.full_name,
        phone: r.phone,
        attributes: r.attributes,
        role,
        is_active: r.is_active,
    };
    let user = state
        .auth
        .update_user(&caller.0, id, patch, &current_request_id())
        .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}

/// `POST /customers`: a customer without a password.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCustomerRequest {
    pub email: String,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Creates a customer for a phone or in-store order (admin or API key). It has no password:
/// the customer signs in after `POST /auth/password-reset/request`.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers",
    security(("bearer" = []), ("api_key" = [])), request_body = NewCustomerRequest,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = UserResponse), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody),
              (status = 409, description = "email_taken", body = ErrorBody),
              (status = 422, description = "validation_error", body = ErrorBody)))]
#[post("/customers")]
pub async fn create(
    state: web::Data<AppState>,
    admin: Admin,
    actor: CartActor,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    once(&state, &req, &body, &actor.0, None, || async {
        let r: NewCustomerRequest = parse_json(&body)?;
        let user = state
            .auth
            .create_customer(
                &admin.0,
                NewCustomer {
                    email: r.email,
                    full_name: r.full_name,
                    phone: r.phone,
                    attributes: r.attributes,
                },
                &current_request_id(),
            )
            .await?;
        Answer::new(StatusCode::CREATED, &UserResponse::from(user))
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerListQuery {
    /// Part of the email or full name, case-insensitive.
    pub search: Option<String>,
}

/// Customers, newest first (admin).
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers",
    security(("bearer" = []), ("api_key" = [])),
    params(CustomerListQuery, crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<UserResponse>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, description = "validation_error", body = ErrorBody)))]
#[get("/customers")]
pub async fn list(
    state: web::Data<AppState>,
    admin: Admin,
    paging: Paging,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query: CustomerListQuery = crate::http::extract::query(req.query_string())?;
    let page = state
        .auth
        .list_customers(&admin.0, query.search.as_deref(), paging.0)
        .await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(page, UserResponse::from)))
}
