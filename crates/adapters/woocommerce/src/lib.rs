//! Merx's [`merx_sync::Storefront`] over the WooCommerce REST API v3 (providers.md §3):
//! `WOOCOMMERCE_URL` (https, or http on a loopback host) + `/wp-json/wc/v3`, the consumer key
//! and secret over HTTP Basic, falling back to query-string keys when the server strips the
//! `Authorization` header ("Consumer key is missing"), never in an error's text; money as
//! decimal strings in the currency's exponent; batches of at most 100 objects with every
//! item's own error read.

mod client;
mod site_url;
mod webhook;
mod wire;

pub use client::{WooCommerce, WooConfig};
pub use site_url::check_site_url;
pub use webhook::sign;
