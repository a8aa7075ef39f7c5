//! `/inventory/{product_id}/variants/{variant_id}`: stock of one variant; admins adjust it.

use actix_web::{HttpResponse, get, patch, web};
use merx_catalog::{Audience, VariantStock};
use merx_inventory::StockChange;
use merx_kernel::{ProductId, VariantId};
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

fn body(stock: VariantStock) -> InventoryResponse {
    let level = &stock.level;
    InventoryResponse {
        product_id: *stock.product_id.as_uuid(),
        variant_id: *level.variant_id.as_uuid(),
        inventory_count: level.on_hand,
        reserved: level.reserved,
        available: level.available(),
        low_stock: level.is_low_stock(),
        low_stock_threshold: level.settings.low_stock_threshold,
        track_inventory: level.settings.track_inventory,
        sku: stock.sku,
    }
}

fn ids(path: &(String, String)) -> Result<(ProductId, VariantId), ApiError> {
    Ok((
        path_id(&path.0, "product_id")?,
        path_id(&path.1, "variant_id")?,
    ))
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
    let (pid, vid) = ids(&path)?;
    let stock = state
        .catalog
        .variant_stock(pid, vid, Audience::of(caller.is_admin()))
        .await?;
    Ok(HttpResponse::Ok().json(body(stock)))
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
    let (pid, vid) = ids(&path)?;
    let Json(r) = req;
    let change = StockChange::from_fields(r.inventory_count, r.delta)?;
    let stock = state
        .catalog
        .adjust_stock(pid, vid, change, &r.reason, &admin.author())
        .await?;
    Ok(HttpResponse::Ok().json(body(stock)))
}
