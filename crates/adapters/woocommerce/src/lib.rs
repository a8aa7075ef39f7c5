//! Merx's [`merx_sync::Storefront`] over the WooCommerce REST API v3 (providers.md §3):
//! `WOOCOMMERCE_URL` + `/wp-json/wc/v3`, the consumer key and secret over HTTP Basic, falling
//! back to query-string keys when the server strips the `Authorization` header ("Consumer key
//! is missing"); money as decimal strings in the currency's exponent; batches of at most 100
//! objects with every item's own error read.

mod client;
mod webhook;
mod wire;

pub use client::{WooCommerce, WooConfig};
pub use webhook::{WebhookError, WooWebhook, sign, verify};
