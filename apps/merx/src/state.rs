//! What handlers share: the domain services and the health-check handles.

use std::sync::Arc;

use merx_cart::CartService;
use merx_catalog::CatalogService;
use merx_checkout::CheckoutService;
use merx_identity::{AddressBook, ApiKeyService, AuthService};
use merx_inventory::InventoryService;
use merx_kernel::{Clock, IdempotencyStore};
use merx_postgres::PgPool;
use merx_pricing::PricingService;
use merx_redis::RedisPool;

pub struct AppState {
    pub auth: AuthService,
    pub api_keys: ApiKeyService,
    pub addresses: AddressBook,
    pub catalog: CatalogService,
    pub inventory: InventoryService,
    pub pricing: Arc<PricingService>,
    pub carts: Arc<CartService>,
    pub checkout: CheckoutService,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub audit_log: Arc<dyn merx_kernel::AuditLog>,
    pub outbox: Arc<dyn merx_kernel::outbox::Outbox>,
    /// The outbox's delivery passes (run by [`crate::outbox_worker`]).
    pub deliveries: Arc<merx_kernel::outbox_delivery::OutboxDelivery>,
    /// Storefront sync, the WooCommerce webhook included (its secret is the storefront's).
    pub sync: Arc<merx_sync::SyncService>,
    pub reviews: merx_reviews::ReviewService,
    pub reports: merx_reports::ReportService,
    pub privacy: merx_privacy::PrivacyService,
    pub clock: Arc<dyn Clock>,
    pub health: HealthProbes,
    pub rate_limits: RateGate,
}

/// What the rate-limit middleware needs: the limits, where windows are counted, and whose
/// `X-Forwarded-For` to believe.
pub struct RateGate {
    pub limits: merx_kernel::RateLimits,
    pub limiter: Arc<dyn merx_kernel::RateLimiter>,
    pub trusted_proxies: Vec<crate::trusted_proxies::Cidr>,
}

/// The backing services `/ready` checks; `None` where not configured.
#[derive(Clone, Default)]
pub struct HealthProbes {
    pub database: Option<PgPool>,
    pub redis: Option<RedisPool>,
}
