//! Storefront links in Postgres (migration 000015): one row per linked product (its
//! variations as JSON pairs), per pushed order, and per applied webhook body.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use merx_kernel::{ProductId, StoreError, Timestamp, VariantId};
use merx_orders::OrderId;
use merx_sync::{ProductLink, RemoteOrder, SyncLinks};

use crate::database::{PgPool, conn};
use crate::error::{decode, store_error};
use crate::schema::{woocommerce_deliveries, woocommerce_orders, woocommerce_products};

pub struct PgSyncLinks {
    pool: PgPool,
}

impl PgSyncLinks {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

type ProductRow = (uuid::Uuid, i64, serde_json::Value, Timestamp);

/// The `variations` column: `{"variations": [[variant, variation], ...], "variants": [...]}`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Variations {
    variations: Vec<(uuid::Uuid, i64)>,
    variants: Vec<uuid::Uuid>,
}

fn link_of(row: ProductRow) -> Result<ProductLink, StoreError> {
    let v: Variations = serde_json::from_value(row.2)
        .map_err(|e| store_error(decode(format!("woocommerce variations: {e}"))))?;
    Ok(ProductLink {
        product_id: ProductId::from_uuid(row.0),
        remote_id: row.1,
        variations: v
            .variations
            .into_iter()
            .map(|(v, id)| (VariantId::from_uuid(v), id))
            .collect(),
        variants: v.variants.into_iter().map(VariantId::from_uuid).collect(),
        synced_at: row.3,
    })
}

/// Of `products`, those linked to the storefront (in `tx`: the stock change's transaction).
pub(crate) async fn linked(
    tx: &mut diesel_async::AsyncPgConnection,
    products: &[uuid::Uuid],
) -> Result<Vec<ProductId>, diesel::result::Error> {
    let found: Vec<uuid::Uuid> = woocommerce_products::table
        .filter(woocommerce_products::product_id.eq_any(products))
        .select(woocommerce_products::product_id)
        .load(tx)
        .await?;
    Ok(found.into_iter().map(ProductId::from_uuid).collect())
}

type OrderRow = (i64, String, String, String, String, Option<String>);

fn order_of(r: OrderRow) -> RemoteOrder {
    RemoteOrder {
        id: r.0,
        number: r.1,
        status: r.2,
        total: r.3,
        currency: r.4,
        created_at: r.5,
    }
}

#[async_trait]
impl SyncLinks for PgSyncLinks {
    async fn product(&self, id: ProductId) -> Result<Option<ProductLink>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row: Option<ProductRow> = woocommerce_products::table
            .find(*id.as_uuid())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        row.map(link_of).transpose()
    }

    async fn product_by_remote(&self, remote_id: i64) -> Result<Option<ProductLink>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row: Option<ProductRow> = woocommerce_products::table
            .filter(woocommerce_products::remote_id.eq(remote_id))
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        row.map(link_of).transpose()
    }

    async fn save_product(&self, link: &ProductLink) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        let variations = serde_json::to_value(Variations {
            variations: link
                .variations
                .iter()
                .map(|(v, id)| (*v.as_uuid(), *id))
                .collect(),
            variants: link.variants.iter().map(|v| *v.as_uuid()).collect(),
        })
        .unwrap_or_default();
        diesel::insert_into(woocommerce_products::table)
            .values((
                woocommerce_products::product_id.eq(*link.product_id.as_uuid()),
                woocommerce_products::remote_id.eq(link.remote_id),
                woocommerce_products::variations.eq(&variations),
                woocommerce_products::synced_at.eq(link.synced_at),
            ))
            .on_conflict(woocommerce_products::product_id)
            .do_update()
            .set((
                woocommerce_products::remote_id.eq(link.remote_id),
                woocommerce_products::variations.eq(&variations),
                woocommerce_products::synced_at.eq(link.synced_at),
            ))
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn order(&self, id: OrderId) -> Result<Option<RemoteOrder>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row: Option<OrderRow> = woocommerce_orders::table
            .find(*id.as_uuid())
            .select((
                woocommerce_orders::remote_id,
                woocommerce_orders::number,
                woocommerce_orders::status,
                woocommerce_orders::total,
                woocommerce_orders::currency,
                woocommerce_orders::created_at,
            ))
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        Ok(row.map(order_of))
    }

    async fn save_order(&self, id: OrderId, remote: &RemoteOrder) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::insert_into(woocommerce_orders::table)
            .values((
                woocommerce_orders::order_id.eq(*id.as_uuid()),
                woocommerce_orders::remote_id.eq(remote.id),
                woocommerce_orders::number.eq(&remote.number),
                woocommerce_orders::status.eq(&remote.status),
                woocommerce_orders::total.eq(&remote.total),
                woocommerce_orders::currency.eq(&remote.currency),
                woocommerce_orders::created_at.eq(&remote.created_at),
            ))
            .on_conflict_do_nothing()
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn delivery_seen(&self, digest: &str) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n: i64 = woocommerce_deliveries::table
            .filter(woocommerce_deliveries::digest.eq(digest))
            .count()
            .get_result(&mut c)
            .await
            .map_err(store_error)?;
        Ok(n > 0)
    }

    async fn record_delivery(&self, digest: &str, at: Timestamp) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::insert_into(woocommerce_deliveries::table)
            .values((
                woocommerce_deliveries::digest.eq(digest),
                woocommerce_deliveries::received_at.eq(at),
            ))
            .on_conflict_do_nothing()
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
