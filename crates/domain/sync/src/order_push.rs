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
