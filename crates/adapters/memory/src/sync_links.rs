//! Storefront links in memory: products, orders and applied webhook bodies, under one lock.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use merx_kernel::{ProductId, StoreError, Timestamp};
use merx_orders::OrderId;
use merx_sync::{ProductLink, RemoteOrder, SyncLinks};

use crate::lock;

#[derive(Debug, Default)]
struct State {
    products: HashMap<ProductId, ProductLink>,
    orders: HashMap<OrderId, RemoteOrder>,
    deliveries: HashSet<String>,
}

#[derive(Debug, Default)]
pub struct MemorySyncLinks {
    state: Mutex<State>,
}

impl MemorySyncLinks {
    /// The linked products that have one of `variants`.
    pub(crate) fn linked_products(&self, variants: &[merx_kernel::VariantId]) -> Vec<ProductId> {
        lock(&self.state)
            .products
            .values()
            .filter(|l| l.variants.iter().any(|v| variants.contains(v)))
            .map(|l| l.product_id)
            .collect()
    }
}

#[async_trait]
impl SyncLinks for MemorySyncLinks {
    async fn product(&self, id: ProductId) -> Result<Option<ProductLink>, StoreError> {
        Ok(lock(&self.state).products.get(&id).cloned())
    }

    async fn product_by_remote(&self, remote_id: i64) -> Result<Option<ProductLink>, StoreError> {
        Ok(lock(&self.state)
            .products
            .values()
            .find(|l| l.remote_id == remote_id)
            .cloned())
    }

    async fn save_product(&self, link: &ProductLink) -> Result<(), StoreError> {
        lock(&self.state)
            .products
            .insert(link.product_id, link.clone());
        Ok(())
    }

    async fn order(&self, id: OrderId) -> Result<Option<RemoteOrder>, StoreError> {
        Ok(lock(&self.state).orders.get(&id).cloned())
    }

    async fn save_order(&self, id: OrderId, remote: &RemoteOrder) -> Result<(), StoreError> {
        lock(&self.state)
            .orders
            .entry(id)
            .or_insert_with(|| remote.clone());
        Ok(())
    }

    async fn delivery_seen(&self, digest: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.state).deliveries.contains(digest))
    }

    async fn record_delivery(&self, digest: &str, _at: Timestamp) -> Result<(), StoreError> {
        lock(&self.state).deliveries.insert(digest.to_owned());
        Ok(())
    }
}
