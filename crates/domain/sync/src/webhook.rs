//! The storefront's webhooks (spec §13): what a verified delivery is, why one is refused, and
//! what receiving it did. The storefront port verifies ([`crate::Storefront::verify_webhook`]);
//! [`crate::SyncService::receive_webhook`] applies.

use crate::{RemoteProduct, SyncError};

/// What a verified delivery is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorefrontEvent {
    /// The ping a new webhook sends (unsigned): answered, nothing to do.
    Ping,
    /// `product.updated`: the product as the storefront holds it.
    ProductUpdated(RemoteProduct),
    /// Any other topic: acknowledged, not acted on.
    Other(String),
}

/// Why a delivery is refused; nothing changes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookRejection {
    /// A missing or wrong signature (`webhook_verification_failed`).
    #[error("the webhook signature does not match its body")]
    BadSignature,
    /// Signed, but not the resource its topic names.
    #[error("a signed body that is not the resource its topic names: {0}")]
    Malformed(String),
}

/// Why a delivery was not applied.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Rejected(#[from] WebhookRejection),
    #[error(transparent)]
    Sync(#[from] SyncError),
}

/// What receiving a delivery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookReceipt {
    /// A ping or a topic Merx does not act on.
    Acknowledged,
    /// A product update: `changed` of our variants had their stock set (none when the product
    /// is not linked, nothing differs, or the same body came before).
    ProductUpdated { remote_id: i64, changed: u32 },
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use merx_catalog::{CatalogService, MockProductRepository};
    use merx_inventory::MockStockRepository;
    use merx_kernel::{Currency, ManualClock};
    use merx_orders::MockOrderRepository;

    use super::*;
    use crate::{ListingType, MockStorefront, MockSyncLinks, SyncService};

    /// A sync service over `storefront`; `links` panics on any call it does not expect.
    fn sync(storefront: Option<MockStorefront>, links: MockSyncLinks) -> SyncService {
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        SyncService::new(
            storefront.map(|s| Arc::new(s) as Arc<dyn crate::Storefront>),
            Arc::new(links),
            CatalogService::new(
                Arc::new(MockProductRepository::new()),
                Arc::new(MockStockRepository::new()),
                clock.clone(),
                Currency::Usd,
            ),
            Arc::new(MockOrderRepository::new()),
            clock,
        )
    }

    fn verifying(answer: Result<StorefrontEvent, WebhookRejection>) -> MockStorefront {
        let mut shop = MockStorefront::new();
        shop.expect_verify_webhook()
            .withf(|signature, topic, body| {
                *signature == Some("c2ln") && *topic == Some("product.updated") && body == b"{}"
            })
            .times(1)
            .return_once(move |_, _, _| answer);
        shop
    }

    async fn receive(service: &SyncService) -> Result<WebhookReceipt, WebhookError> {
        service
            .receive_webhook(Some("c2ln"), Some("product.updated"), b"{}")
            .await
    }

    #[tokio::test]
    async fn without_a_storefront_nothing_is_verified() {
        let service = sync(None, MockSyncLinks::new());
        assert!(matches!(
            receive(&service).await,
            Err(WebhookError::Sync(SyncError::NotConfigured))
        ));
    }

    #[tokio::test]
    async fn a_delivery_the_storefront_refuses_changes_nothing() {
        let service = sync(
            Some(verifying(Err(WebhookRejection::BadSignature))),
            MockSyncLinks::new(),
        );
        assert!(matches!(
            receive(&service).await,
            Err(WebhookError::Rejected(WebhookRejection::BadSignature))
        ));
    }

    #[tokio::test]
    async fn the_ping_and_other_topics_are_acknowledged_and_change_nothing() {
        for event in [
            StorefrontEvent::Ping,
            StorefrontEvent::Other("order.created".into()),
        ] {
            let service = sync(Some(verifying(Ok(event))), MockSyncLinks::new());
            assert_eq!(
                receive(&service).await.expect("acknowledged"),
                WebhookReceipt::Acknowledged
            );
        }
    }

    #[tokio::test]
    async fn a_verified_product_update_of_an_unlinked_product_changes_no_stock() {
        let product = RemoteProduct {
            id: 799,
            sku: "TEE".into(),
            listing_type: ListingType::Simple,
            stock_quantity: Some(4),
            variations: vec![],
        };
        let mut links = MockSyncLinks::new();
        links.expect_delivery_seen().return_once(|_| Ok(false));
        links
            .expect_product_by_remote()
            .withf(|id| *id == 799)
            .return_once(|_| Ok(None));
        let service = sync(
            Some(verifying(Ok(StorefrontEvent::ProductUpdated(product)))),
            links,
        );
        assert_eq!(
            receive(&service).await.expect("received"),
            WebhookReceipt::ProductUpdated {
                remote_id: 799,
                changed: 0
            }
        );
    }
}
