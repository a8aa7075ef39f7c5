//! Postgres adapters for Merx ports (diesel + diesel-async on a deadpool pool), and the
//! database set-up the app runs at start: create the database if missing, apply the embedded
//! migrations.
//!
//! Rows and their conversions to domain types live here, never in the domain crates.

mod audit_log;
mod carts;
mod catalog;
mod catalog_changes;
mod checkout;
mod database;
mod error;
mod idempotency;
mod identity;
mod order_writes;
mod orders;
mod outbox;
mod payment_events;
mod pricing;
mod product_rows;
mod product_search;
mod purchases;
mod refunds;
mod reports;
mod reviews;
mod schema;
mod session_rows;
mod stock;
mod stock_moves;
mod sync_links;
mod transaction;

pub use audit_log::PgAuditLog;
pub use carts::PgCarts;
pub use catalog::PgCatalog;
pub use catalog_changes::{CATALOG_CHANNEL, watch_catalog_changes};
pub use checkout::PgCheckout;
pub use database::{
    MIGRATIONS, PgPool, connect, database_name, ensure_database, ping, run_migrations,
    with_database,
};
pub use idempotency::PgIdempotency;
pub use identity::{PgAddresses, PgApiKeys, PgOneTimeTokens, PgRefreshTokens, PgUsers};
pub use orders::PgOrders;
pub use outbox::PgOutbox;
pub use pricing::{PgDiscounts, PgShippingZones, PgTaxRates};
pub use reports::PgReports;
pub use reviews::PgReviews;
pub use stock::PgStock;
pub use sync_links::PgSyncLinks;
