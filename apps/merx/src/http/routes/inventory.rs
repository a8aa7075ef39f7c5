//! `/inventory/{product_id}/variants/{variant_id}`: stock of one variant; admins adjust it.

use actix_web::{HttpResponse, get, patch, web};
use merx_catalog::Audience;
use merx_identity::Principal;
use merx_inventory::{StockChange, StockLevel};
use merx_kernel::{ProductId, ValidationErrors, VariantId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Json, MaybeCaller, path_id};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct InventoryResponse {
    pub product_id: uuid::Uuid,
    pub variant_id: uuid::Uuid,
    pub sku: String,
    /// On hand.
    pub inventory_count: i64,
    /// Held by live reservations.
    pub reserved: i64,
    /// On hand minus reserved, never below zero.
    pub available: i64,
    pub low_stock: bool,
    pub low_stock_threshold: i64,
    pub track_inventory: bool,
}

/// Set `inventory_count`, or apply `delta`; `reason` is recorded with who and when.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InventoryUpdateRequest {
    pub inventory_count: Option<i64>,
    pub delta: Option<i64>,
    pub reason: String,
}

fn body(product: ProductId, sku: String, level: &StockLevel) -> InventoryResponse {
    InventoryResponse {
        product_id: *product.as_uuid(),
        variant_id: *level.variant_id.as_uuid(),
        sku,
        inventory_count: level.on_hand,
        reserved: level.reserved,
        available: level.available(),
        low_stock: level.is_low_stock(),
        low_stock_threshold: level.settings.low_stock_threshold,
        track_inventory: level.settings.track_inventory,
    }
}

/// The variant's SKU, when the product (visible to this audience) has the variant.
async fn sku_of(
    state: &AppState,
    path: &(String, String),
    audience: Audience,
) -> Result<(ProductId, VariantId, String), ApiError> {
    let pid: ProductId = path_id(&path.0, "product_id")?;
    let vid: VariantId = path_id(&path.1, "variant_id")?;
    let product = state.catalog.get(pid, audience).await?;
    let sku = product
        .variant(vid)
        .map(|v| v.sku.clone())
        .ok_or_else(|| ApiError::not_found("variant not found"))?;
    Ok((pid, vid, sku))
}

/// Stock of one variant.
#[utoipa::path(get, path = "/api/v1/inventory/{product_id}/variants/{variant_id}", tag = "inventory",
    params(("product_id" = uuid::Uuid, Path), ("variant_id" = uuid::Uuid, Path)),
    responses((status = 200, body = InventoryResponse), (status = 404, body = ErrorBody)))]
#[get("/inventory/{product_id}/variants/{variant_id}")]
pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    caller: MaybeCaller,
) -> Result<HttpResponse, ApiError> {
    let audience = if caller.is_admin() {
        Audience::Admin
    } else {
        Audience::Public
    };
    let (pid, vid, sku) = sku_of(&state, &path, audience).await?;
    let level = state.inventory.level(vid).await?;
    Ok(HttpResponse::Ok().json(body(pid, sku, &level)))
}

/// Sets or changes stock on hand, never below zero, with an audit record.
#[utoipa::path(patch, path = "/api/v1/inventory/{product_id}/variants/{variant_id}", tag = "inventory",
    security(("bearer" = []), ("api_key" = [])),
    params(("product_id" = uuid::Uuid, Path), ("variant_id" = uuid::Uuid, Path)), request_body = InventoryUpdateRequest,
    responses((status = 200, body = InventoryResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
#[patch("/inventory/{product_id}/variants/{variant_id}")]
pub async fn update(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<(String, String)>,
    req: Json<InventoryUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let (pid, vid, sku) = sku_of(&state, &path, Audience::Admin).await?;
    let Json(r) = req;
    let change = match (r.inventory_count, r.delta) {
        (Some(n), None) => StockChange::Set(n),
        (None, Some(d)) => StockChange::Delta(d),
        _ => {
            return Err(ValidationErrors::single(
                "inventory_count",
                "give exactly one of inventory_count and delta",
            )
            .into());
        }
    };
    let actor = match &admin.0 {
        Principal::User { id, email, .. } => format!("user:{id} ({email})"),
        Principal::ApiKey { id } => format!("api_key:{id}"),
    };
    state
        .inventory
        .adjust(vid, change, &actor, &r.reason)
        .await?;
    let level = state.inventory.level(vid).await?;
    Ok(HttpResponse::Ok().json(body(pid, sku, &level)))
}
