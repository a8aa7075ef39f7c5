//! `/me/addresses`: the signed-in user's address book, one default per type.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use merx_identity::{AddressId, AddressInput, AddressKind, AddressPatch, UserId};
use merx_kernel::{Page, PostalAddress};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::bodies::saved_address::AddressResponse;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Caller, Json, Paging, PagingParams, path_id};
use crate::http::page::PageBody;
use crate::http::patch::double_option;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AddressType {
    Shipping,
    Billing,
}

impl From<AddressType> for AddressKind {
    fn from(t: AddressType) -> Self {
        match t {
            AddressType::Shipping => Self::Shipping,
            AddressType::Billing => Self::Billing,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddressRequest {
    /// Defaults to `shipping`.
    #[serde(rename = "type")]
    pub kind: Option<AddressType>,
    pub name: String,
    pub phone: Option<String>,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub postal_code: String,
    pub country: String,
    /// The first address of a type becomes its default regardless.
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AddressPatchRequest {
    #[serde(rename = "type")]
    pub kind: Option<AddressType>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    pub line1: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub line2: Option<Option<String>>,
    pub city: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub state: Option<Option<String>>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub is_default: Option<bool>,
}

fn owner(caller: &Caller) -> Result<UserId, ApiError> {
    caller.0.user_id().ok_or_else(ApiError::forbidden)
}

/// The caller's addresses, oldest first, one page at a time.
#[utoipa::path(get, path = "/api/v1/me/addresses", tag = "addresses", security(("bearer" = [])), params(PagingParams),
    responses((status = 200, body = PageBody<AddressResponse>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/me/addresses")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let all = state.addresses.list(owner(&caller)?).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(
        Page::of_all(all, paging.0),
        AddressResponse::from,
    )))
}

/// Adds an address.
#[utoipa::path(post, path = "/api/v1/me/addresses", tag = "addresses", security(("bearer" = [])),
    request_body = AddressRequest,
    responses((status = 201, body = AddressResponse), (status = 422, body = ErrorBody)))]
#[post("/me/addresses")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<AddressRequest>,
) -> Result<HttpResponse, ApiError> {
    let Json(r) = body;
    let input = AddressInput {
        kind: r.kind.map(AddressKind::from),
        address: PostalAddress {
            name: r.name,
            phone: r.phone,
            line1: r.line1,
            line2: r.line2,
            city: r.city,
            state: r.state,
            postal_code: r.postal_code,
            country: r.country,
        },
        is_default: r.is_default,
    };
    let saved = state.addresses.add(owner(&caller)?, input).await?;
    Ok(HttpResponse::Created().json(AddressResponse::from(saved)))
}

/// Changes some fields of an address.
#[utoipa::path(patch, path = "/api/v1/me/addresses/{id}", tag = "addresses", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)), request_body = AddressPatchRequest,
    responses((status = 200, body = AddressResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/me/addresses/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<AddressPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: AddressId = path_id(&id, "id")?;
    let Json(r) = body;
    let patch = AddressPatch {
        kind: r.kind.map(AddressKind::from),
        name: r.name,
        phone: r.phone,
        line1: r.line1,
        line2: r.line2,
        city: r.city,
        state: r.state,
        postal_code: r.postal_code,
        country: r.country,
        is_default: r.is_default,
    };
    let saved = state.addresses.update(owner(&caller)?, id, patch).await?;
    Ok(HttpResponse::Ok().json(AddressResponse::from(saved)))
}

/// Deletes an address; if it was the default, the oldest other address of its type takes over.
#[utoipa::path(delete, path = "/api/v1/me/addresses/{id}", tag = "addresses", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204, description = "deleted"), (status = 404, body = ErrorBody)))]
#[delete("/me/addresses/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: AddressId = path_id(&id, "id")?;
    state.addresses.delete(owner(&caller)?, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
