//! Keeping an outside storefront in step with Merx (spec §8, §13; WooCommerce is the one
//! adapter): what a product looks like there ([`Listing`]), what a pushed order looks like
//! ([`OrderListing`]), the links between our ids and the storefront's ([`SyncLinks`]), the
//! storefront port itself ([`Storefront`]), and the use cases ([`SyncService`]): product sync
//! (one, many in batches of at most 100, all), inventory sync in three directions, the
//! idempotent order push (also the outbox receiver of paid orders), and the storefront's
//! webhooks (verified by the storefront port, applied by [`SyncService::receive_webhook`]).
//!
//! Merx is the inventory master: orders are pushed without asking the storefront to take stock
//! (`set_paid: false` with an explicit status), and its stock is set from ours.

mod error;
mod listing;
mod listing_type;
mod order_listing;
mod order_push;
mod ports;
mod service;
mod webhook;

pub use error::{RemoteError, SyncError};
pub use listing::{
    ImageListing, Listing, ListingKind, ListingStatus, Prices, SyncOptions, VariationListing,
};
pub use listing_type::ListingType;
pub use order_listing::{OrderLine, OrderListing};
pub use order_push::{OrderPush, StockPush};
pub use ports::*;
pub use service::{
    BATCH_LIMIT, BatchSummary, InventorySync, SYNC_REASON, SyncDirection, SyncService,
    SyncedProduct,
};
pub use webhook::{StorefrontEvent, WebhookError, WebhookReceipt, WebhookRejection};

/// The outbox topic of a paid order's push (written by the order stores).
pub use merx_orders::outbound::{WOOCOMMERCE_ORDER, WOOCOMMERCE_STOCK};
