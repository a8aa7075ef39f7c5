//! `/woocommerce/*` (spec §8, §13; admin or API key): product sync (one, many, all),
//! inventory sync in three directions, and the order push. Unconfigured: 422
//! `woocommerce_unavailable`; a WooCommerce failure: 502 `woocommerce_sync_failed`.

use actix_web::{HttpResponse, post, web};
use merx_kernel::{ProductId, ValidationErrors, VariantId};
use merx_orders::OrderId;
use merx_sync::{SyncDirection, SyncError, SyncOptions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Json};
use crate::state::AppState;

/// One product (`product_id`), several (`product_ids`, batches of at most 100), or every
/// product (`all: true`): exactly one of the three. Each `sync_*` is true unless false.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductSyncRequest {
    pub product_id: Option<uuid::Uuid>,
    #[schema(max_items = 10000)]
    pub product_ids: Option<Vec<uuid::Uuid>>,
    pub all: Option<bool>,
    pub sync_inventory: Option<bool>,
    pub sync_images: Option<bool>,
    pub sync_metadata: Option<bool>,
}

/// One product synced.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductSyncBody {
    pub success: bool,
    pub product_id: uuid::Uuid,
    pub woocommerce_product_id: i64,
    pub synced_fields: Vec<&'static str>,
    pub sync_timestamp: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncFailureBody {
    pub product_id: uuid::Uuid,
    pub error: String,
}

/// Many products synced: how many, and each one WooCommerce refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct BulkSyncBody {
    pub success: bool,
    pub synced: u32,
    pub failed: Vec<SyncFailureBody>,
}

/// The answer of a product sync: one product's, or a bulk summary.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ProductSyncAnswer {
    One(ProductSyncBody),
    Many(BulkSyncBody),
}

fn configured(state: &AppState) -> Result<(), ApiError> {
    if state.sync.is_configured() {
        Ok(())
    } else {
        Err(SyncError::NotConfigured.into())
    }
}

/// Lists products at WooCommerce: created once, updated after (found by SKU when the link is
/// lost); a product of several variants becomes a variable product.
#[utoipa::path(post, path = "/api/v1/woocommerce/products/sync", tag = "woocommerce",
    security(("bearer" = []), ("api_key" = [])), request_body = ProductSyncRequest,
    responses((status = 200, body = ProductSyncAnswer), (status = 404, description = "product_not_found", body = ErrorBody),
              (status = 422, description = "validation_error, woocommerce_unavailable", body = ErrorBody),
              (status = 502, description = "woocommerce_sync_failed", body = ErrorBody)))]
#[post("/woocommerce/products/sync")]
pub async fn sync_products(
    state: web::Data<AppState>,
    _admin: Admin,
    req: Json<ProductSyncRequest>,
) -> Result<HttpResponse, ApiError> {
    configured(&state)?;
    let Json(r) = req;
    let options = SyncOptions {
        inventory: r.sync_inventory.unwrap_or(true),
        images: r.sync_images.unwrap_or(true),
        metadata: r.sync_metadata.unwrap_or(true),
    };
    let ids: Vec<ProductId> = match (r.product_id, r.product_ids, r.all) {
        (Some(id), None, None | Some(false)) => {
            let synced = state
                .sync
                .sync_product(ProductId::from_uuid(id), options)
                .await?;
            return Ok(
                HttpResponse::Ok().json(ProductSyncAnswer::One(ProductSyncBody {
                    success: true,
                    product_id: id,
                    woocommerce_product_id: synced.remote_id,
                    synced_fields: synced.synced_fields,
                    sync_timestamp: synced.synced_at,
                })),
            );
        }
        (None, Some(ids), None | Some(false)) if !ids.is_empty() => {
            ids.into_iter().map(ProductId::from_uuid).collect()
        }
        (None, None, Some(true)) => state.sync.all_product_ids().await?,
        _ => {
            return Err(ValidationErrors::single(
                "product_id",
                "give exactly one of product_id, product_ids (not empty) or all: true",
            )
            .into());
        }
    };
    let summary = state.sync.sync_many(&ids, options, &|_| {}).await?;
    Ok(
        HttpResponse::Ok().json(ProductSyncAnswer::Many(BulkSyncBody {
            success: summary.failed.is_empty(),
            synced: summary.synced,
            failed: summary
                .failed
                .into_iter()
                .map(|(id, error)| SyncFailureBody {
                    product_id: *id.as_uuid(),
                    error,
                })
                .collect(),
        })),
    )
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventorySyncRequest {
    pub product_id: uuid::Uuid,
    pub variant_id: uuid::Uuid,
    /// Sets our on-hand count first (audited, reason `woocommerce_sync`).
    #[schema(minimum = 0)]
    pub quantity: Option<i64>,
    /// `to_woocommerce`, `from_woocommerce` or `bidirectional` (pull, then push).
    #[schema(example = "to_woocommerce")]
    pub sync_direction: String,
}

/// Where one variant's stock stands after the sync: `platform_quantity` is what Merx can
/// sell (on hand minus live holds), which is what WooCommerce is given.
#[derive(Debug, Serialize, ToSchema)]
pub struct InventorySyncBody {
    pub success: bool,
    pub product_id: uuid::Uuid,
    pub variant_id: uuid::Uuid,
    pub platform_quantity: i64,
    pub woocommerce_quantity: Option<i64>,
    pub sync_direction: &'static str,
    pub sync_timestamp: chrono::DateTime<chrono::Utc>,
}

/// Brings one variant's stock in step with WooCommerce.
#[utoipa::path(post, path = "/api/v1/woocommerce/inventory/sync", tag = "woocommerce",
    security(("bearer" = []), ("api_key" = [])), request_body = InventorySyncRequest,
    responses((status = 200, body = InventorySyncBody), (status = 404, description = "product_not_found, not_found (variant)", body = ErrorBody),
              (status = 422, description = "validation_error, woocommerce_unavailable", body = ErrorBody),
              (status = 502, description = "woocommerce_sync_failed", body = ErrorBody)))]
#[post("/woocommerce/inventory/sync")]
pub async fn sync_inventory(
    state: web::Data<AppState>,
    admin: Admin,
    req: Json<InventorySyncRequest>,
) -> Result<HttpResponse, ApiError> {
    configured(&state)?;
    let Json(r) = req;
    let mut errors = ValidationErrors::new();
    let direction = SyncDirection::parse(&r.sync_direction);
    if direction.is_none() {
        errors.add(
            "sync_direction",
            "must be to_woocommerce, from_woocommerce or bidirectional",
        );
    }
    if r.quantity.is_some_and(|q| q < 0) {
        errors.add("quantity", "must be 0 or more");
    }
    errors.into_result()?;
    let direction = direction.unwrap_or(SyncDirection::ToStorefront);
    let done = state
        .sync
        .sync_inventory(
            ProductId::from_uuid(r.product_id),
            VariantId::from_uuid(r.variant_id),
            r.quantity,
            direction,
            &admin.author(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(InventorySyncBody {
        success: true,
        product_id: r.product_id,
        variant_id: r.variant_id,
        platform_quantity: done.platform_quantity,
        woocommerce_quantity: done.storefront_quantity,
        sync_direction: direction.as_str(),
        sync_timestamp: done.synced_at,
    }))
}

/// `order_id` of the order to push; `customer` and `shipping` are accepted for the seed
/// shops' clients and not used: the order's own addresses are sent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrderPushRequest {
    pub order_id: uuid::Uuid,
    #[schema(value_type = Option<Object>)]
    pub customer: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub shipping: Option<serde_json::Value>,
}

/// The WooCommerce order of one of ours (the same one however often it is asked for).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPushBody {
    pub success: bool,
    pub woocommerce_order_id: i64,
    pub order_number: String,
    pub status: String,
    /// WooCommerce's decimal string in the order's currency (`"344.98"`, `"28000"`).
    pub total: String,
    pub currency: String,
    pub created_at: Option<String>,
}

/// Pushes an order to WooCommerce once: unpaid there (`set_paid: false`, so WooCommerce does
/// not take stock again), with our id in its metadata.
#[utoipa::path(post, path = "/api/v1/woocommerce/orders", tag = "woocommerce",
    security(("bearer" = []), ("api_key" = [])), request_body = OrderPushRequest,
    responses((status = 201, body = OrderPushBody), (status = 404, description = "order_not_found", body = ErrorBody),
              (status = 422, description = "validation_error, woocommerce_unavailable", body = ErrorBody),
              (status = 502, description = "woocommerce_sync_failed", body = ErrorBody)))]
#[post("/woocommerce/orders")]
pub async fn push_order(
    state: web::Data<AppState>,
    _admin: Admin,
    req: Json<OrderPushRequest>,
) -> Result<HttpResponse, ApiError> {
    configured(&state)?;
    let Json(r) = req;
    let pushed = state
        .sync
        .push_order(OrderId::from_uuid(r.order_id))
        .await?;
    Ok(HttpResponse::Created().json(OrderPushBody {
        success: true,
        woocommerce_order_id: pushed.id,
        order_number: pushed.number,
        status: pushed.status,
        total: pushed.total,
        currency: pushed.currency,
        created_at: pushed.created_at,
    }))
}
