//! The outbox receiver of paid orders ([`crate::WOOCOMMERCE_ORDER`]): pushes the order through
//! [`SyncService::push_order`], which is idempotent by our order id.

use std::sync::Arc;

use async_trait::async_trait;
use merx_kernel::outbox::OutboxMessage;
use merx_kernel::outbox_delivery::Deliver;
use merx_orders::OrderId;

use crate::{SyncError, SyncService};

pub struct OrderPush {
    sync: Arc<SyncService>,
}

impl OrderPush {
    #[must_use]
    pub fn new(sync: Arc<SyncService>) -> Self {
        Self { sync }
    }
}

#[derive(serde::Deserialize)]
struct Payload {
    order_id: OrderId,
}

#[async_trait]
impl Deliver for OrderPush {
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), String> {
        let payload: Payload = serde_json::from_value(message.payload.clone())
            .map_err(|e| format!("order push payload: {e}"))?;
        match self.sync.push_order(payload.order_id).await {
            Ok(pushed) => {
                tracing::info!(order = %payload.order_id, woocommerce_order = pushed.id, "order pushed");
                Ok(())
            }
            // Gone since it was paid: nothing left to push.
            Err(SyncError::OrderNotFound) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// The outbox receiver of synced products' stock changes
/// ([`merx_orders::outbound::WOOCOMMERCE_STOCK`]): pushes what can be sold now, an absolute
/// count, so a repeat or a late delivery is harmless.
pub struct StockPush {
    sync: Arc<SyncService>,
}

impl StockPush {
    #[must_use]
    pub fn new(sync: Arc<SyncService>) -> Self {
        Self { sync }
    }
}

#[derive(serde::Deserialize)]
struct StockPayload {
    product_id: merx_kernel::ProductId,
}

#[async_trait]
impl Deliver for StockPush {
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), String> {
        let payload: StockPayload = serde_json::from_value(message.payload.clone())
            .map_err(|e| format!("stock push payload: {e}"))?;
        self.sync
            .push_stock(payload.product_id)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
