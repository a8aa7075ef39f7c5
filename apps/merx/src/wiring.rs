//! Builds the adapters the configuration asks for and hands them to the domain services.
//! The only place that knows which store is in use.

use std::sync::Arc;

use merx_cart::{CartRepository, CartService};
use merx_catalog::{CatalogService, ProductRepository};
use merx_checkout::{CheckoutPorts, CheckoutService, CheckoutStore};
use merx_crypto::{BcryptHasher, JwtCodec};
use merx_identity::{
    AddressBook, AddressRepository, ApiKeyRepository, ApiKeyService, AuthPolicy, AuthPorts,
    AuthService, Mailer, OneTimeTokenRepository, RefreshTokenRepository, UserRepository,
};
use merx_inventory::{InventoryService, StockRepository};
use merx_kernel::{Clock, IdempotencyStore, StoreError, SystemClock};

use crate::catalog_watch::{
    CatalogSignal, WatchedCheckout, WatchedProducts, WatchedReviews, WatchedStock,
};
use merx_orders::OrderRepository;
use merx_orders::outbound::Outbound;
use merx_payments::PaymentGateways;
use merx_pricing::{DiscountRepository, PricingService, ShippingZoneRepository, TaxRateRepository};

use crate::config::{Config, ConfigError};
use crate::state::{AppState, HealthProbes};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("redis: {0}")]
    Redis(#[from] merx_redis::RedisError),
    #[error("{0}")]
    Other(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Cash on delivery always; each provider that is configured.
fn payment_gateways(config: &Config) -> Result<PaymentGateways, StartupError> {
    let mut gateways = PaymentGateways::cash_only();
    if let Some(stripe) = &config.stripe {
        let gateway = merx_stripe::StripeGateway::new(stripe.clone())
            .map_err(|e| StartupError::Other(e.to_string()))?;
        gateways = gateways.with(Arc::new(gateway));
    }
    if let Some(toss) = &config.toss {
        let gateway = merx_tosspayments::TossGateway::new(toss.clone())
            .map_err(|e| StartupError::Other(e.to_string()))?;
        gateways = gateways.with(Arc::new(gateway));
    }
    Ok(gateways)
}

/// Windows in Redis (one budget for every instance) when configured, falling back to this
/// process's when Redis is down; in process otherwise.
fn rate_limiter(
    config: &Config,
    redis: Option<&merx_redis::RedisPool>,
) -> Arc<dyn merx_kernel::RateLimiter> {
    let local: Arc<dyn merx_kernel::RateLimiter> =
        Arc::new(merx_memory::MemoryRateLimiter::default());
    match redis {
        Some(pool) => Arc::new(merx_redis::RedisRateLimiter::new(
            pool.clone(),
            &config.rate_limit_namespace,
            local,
        )),
        None => local,
    }
}

/// One store's implementation of every port.
#[derive(Clone)]
pub struct Stores {
    pub users: Arc<dyn UserRepository>,
    pub refresh_tokens: Arc<dyn RefreshTokenRepository>,
    pub one_time_tokens: Arc<dyn OneTimeTokenRepository>,
    pub api_keys: Arc<dyn ApiKeyRepository>,
    pub addresses: Arc<dyn AddressRepository>,
    pub products: Arc<dyn ProductRepository>,
    pub stock: Arc<dyn StockRepository>,
    pub tax_rates: Arc<dyn TaxRateRepository>,
    pub shipping_zones: Arc<dyn ShippingZoneRepository>,
    pub discounts: Arc<dyn DiscountRepository>,
    pub carts: Arc<dyn CartRepository>,
    pub checkout: Arc<dyn CheckoutStore>,
    pub orders: Arc<dyn OrderRepository>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub audit_log: Arc<dyn merx_kernel::AuditLog>,
    pub outbox: Arc<dyn merx_kernel::outbox::Outbox>,
    pub sync_links: Arc<dyn merx_sync::SyncLinks>,
    pub reviews: Arc<dyn merx_reviews::ReviewStore>,
    pub purchases: Arc<dyn merx_reviews::Purchases>,
    /// Read-only: what the admin's reports read.
    pub reports: Arc<dyn merx_reports::ReportSource>,
    pub database: Option<merx_postgres::PgPool>,
    /// What "now" is for every service over these stores: the wall clock, or a clock a test
    /// moves forward instead of sleeping.
    pub clock: Arc<dyn Clock>,
    /// Told after every write of products, prices or stock through these stores.
    pub catalog_signal: CatalogSignal,
}

impl Stores {
    /// In memory, writing customer emails to the outbox (the log mailer's default).
    #[must_use]
    pub fn memory() -> Self {
        Self::memory_for(Outbound {
            email: true,
            woocommerce: false,
        })
    }

    /// In memory, writing outbox messages for `outbound`'s receivers.
    #[must_use]
    pub fn memory_for(outbound: Outbound) -> Self {
        // One audit log for every store that makes audited writes.
        let outbox = Arc::new(merx_memory::MemoryOutbox::default());
        let sync_links = Arc::new(merx_memory::MemorySyncLinks::default());
        let audit = merx_memory::MemoryAuditLog::default();
        let stock = Arc::new(
            merx_memory::MemoryStock::default()
                .with_audit_log(audit.clone())
                .with_outbox(outbox.clone(), outbound, sync_links.clone()),
        );
        let catalog = Arc::new(merx_memory::MemoryCatalog::new(stock.clone()));
        let carts = Arc::new(merx_memory::MemoryCarts::default());
        let discounts =
            Arc::new(merx_memory::MemoryDiscounts::default().with_audit_log(audit.clone()));
        let checkout = Arc::new(
            merx_memory::MemoryCheckout::new(stock.clone(), carts.clone(), discounts.clone())
                .with_outbox(outbox.clone(), outbound),
        );
        catalog.track_references(carts.clone());
        catalog.track_references(checkout.clone());
        let reviews = Arc::new(merx_memory::MemoryReviews::new(catalog.clone()));
        catalog.track_references(merx_memory::ReviewedProducts::of(&reviews));
        let catalog_signal = CatalogSignal::default();
        Self {
            reviews: Arc::new(WatchedReviews(reviews, catalog_signal.clone())),
            purchases: checkout.clone(),
            reports: Arc::new(merx_memory::MemoryReports::new(
                checkout.clone(),
                carts.clone(),
                catalog.clone(),
            )),
            products: Arc::new(WatchedProducts(catalog, catalog_signal.clone())),
            stock: Arc::new(WatchedStock(stock, catalog_signal.clone())),
            tax_rates: Arc::new(
                merx_memory::MemoryTaxRates::default().with_audit_log(audit.clone()),
            ),
            shipping_zones: Arc::new(
                merx_memory::MemoryShippingZones::default().with_audit_log(audit.clone()),
            ),
            discounts,
            carts,
            checkout: Arc::new(WatchedCheckout(checkout.clone(), catalog_signal.clone())),
            orders: checkout,
            idempotency: Arc::new(merx_memory::MemoryIdempotency::default()),
            users: Arc::new(merx_memory::MemoryUsers::default().with_audit_log(audit.clone())),
            refresh_tokens: Arc::new(merx_memory::MemoryRefreshTokens::default()),
            one_time_tokens: Arc::new(merx_memory::MemoryOneTimeTokens::default()),
            api_keys: Arc::new(merx_memory::MemoryApiKeys::default().with_audit_log(audit.clone())),
            addresses: Arc::new(merx_memory::MemoryAddresses::default()),
            audit_log: Arc::new(audit),
            outbox,
            sync_links,
            database: None,
            clock: Arc::new(SystemClock),
            catalog_signal,
        }
    }

    /// Creates the database if missing, applies migrations, and opens a pool.
    ///
    /// # Errors
    /// When Postgres is unreachable or a migration fails.
    pub async fn postgres(
        url: &str,
        pool_size: usize,
        outbound: Outbound,
    ) -> Result<Self, StartupError> {
        merx_postgres::ensure_database(url).await?;
        let applied = merx_postgres::run_migrations(url).await?;
        tracing::info!(applied, "database migrations up to date");
        let pool = merx_postgres::connect(url, pool_size)?;
        merx_postgres::ping(&pool).await?;
        let catalog_signal = CatalogSignal::default();
        Ok(Self {
            users: Arc::new(merx_postgres::PgUsers::new(pool.clone())),
            refresh_tokens: Arc::new(merx_postgres::PgRefreshTokens::new(pool.clone())),
            one_time_tokens: Arc::new(merx_postgres::PgOneTimeTokens::new(pool.clone())),
            api_keys: Arc::new(merx_postgres::PgApiKeys::new(pool.clone())),
            addresses: Arc::new(merx_postgres::PgAddresses::new(pool.clone())),
            products: Arc::new(WatchedProducts(
                Arc::new(merx_postgres::PgCatalog::new(pool.clone())),
                catalog_signal.clone(),
            )),
            stock: Arc::new(WatchedStock(
                Arc::new(merx_postgres::PgStock::new(pool.clone()).with_outbound(outbound)),
                catalog_signal.clone(),
            )),
            tax_rates: Arc::new(merx_postgres::PgTaxRates::new(pool.clone())),
            shipping_zones: Arc::new(merx_postgres::PgShippingZones::new(pool.clone())),
            discounts: Arc::new(merx_postgres::PgDiscounts::new(pool.clone())),
            carts: Arc::new(merx_postgres::PgCarts::new(pool.clone())),
            checkout: Arc::new(WatchedCheckout(
                Arc::new(merx_postgres::PgCheckout::new(pool.clone()).with_outbound(outbound)),
                catalog_signal.clone(),
            )),
            orders: Arc::new(merx_postgres::PgOrders::new(pool.clone()).with_outbound(outbound)),
            idempotency: Arc::new(merx_postgres::PgIdempotency::new(pool.clone())),
            audit_log: Arc::new(merx_postgres::PgAuditLog::new(pool.clone())),
            outbox: Arc::new(merx_postgres::PgOutbox::new(pool.clone())),
            sync_links: Arc::new(merx_postgres::PgSyncLinks::new(pool.clone())),
            reviews: Arc::new(WatchedReviews(
                Arc::new(merx_postgres::PgReviews::new(pool.clone())),
                catalog_signal.clone(),
            )),
            purchases: Arc::new(merx_postgres::PgOrders::new(pool.clone())),
            reports: Arc::new(merx_postgres::PgReports::new(pool.clone())),
            database: Some(pool),
            clock: Arc::new(SystemClock),
            catalog_signal,
        })
    }

    /// The store the configuration names: Postgres with a DATABASE_URL, memory without.
    ///
    /// # Errors
    /// As for [`Stores::postgres`].
    pub async fn from_config(config: &Config) -> Result<Self, StartupError> {
        match &config.database_url {
            Some(url) => Self::postgres(url, config.database_pool_size, config.outbound()).await,
            None => {
                tracing::warn!(
                    "NO DATABASE_URL: running on the IN-MEMORY store. Everything is lost on exit; \
                     set DATABASE_URL to use Postgres."
                );
                Ok(Self::memory_for(config.outbound()))
            }
        }
    }
}

/// Services wired onto a store.
///
/// # Errors
/// When the JWT secret is missing or too short for this configuration.
pub fn build_state(
    config: &Config,
    stores: &Stores,
    mailer: Arc<dyn Mailer>,
    redis: Option<merx_redis::RedisPool>,
) -> Result<AppState, StartupError> {
    let clock = stores.clock.clone();
    let secret = match config.jwt_secret_bytes()? {
        Some(secret) => secret,
        None => {
            tracing::warn!(
                "JWT_SECRET not set: using a random secret; tokens die with this process"
            );
            merx_identity::generate_secret("").into_bytes()
        }
    };
    let codec = JwtCodec::new(&secret).map_err(StartupError::Other)?;
    let auth = AuthService::new(
        AuthPorts {
            users: stores.users.clone(),
            refresh_tokens: stores.refresh_tokens.clone(),
            one_time_tokens: stores.one_time_tokens.clone(),
            hasher: Arc::new(BcryptHasher::new(config.bcrypt_cost)),
            access_tokens: Arc::new(codec),
            mailer: mailer.clone(),
            clock: clock.clone(),
        },
        AuthPolicy::default(),
    );
    let pricing = Arc::new(PricingService::new(
        stores.tax_rates.clone(),
        stores.shipping_zones.clone(),
        stores.discounts.clone(),
        clock.clone(),
        config.currency,
    ));
    let carts = Arc::new(CartService::new(
        stores.carts.clone(),
        stores.products.clone(),
        stores.stock.clone(),
        pricing.clone(),
        clock.clone(),
        config.currency,
    ));
    let checkout = CheckoutService::new(
        CheckoutPorts {
            store: stores.checkout.clone(),
            orders: stores.orders.clone(),
            stock: stores.stock.clone(),
            carts: carts.clone(),
            pricing: pricing.clone(),
            payments: payment_gateways(config)?,
            clock: clock.clone(),
        },
        merx_checkout::Settings {
            reservation_ttl: chrono::Duration::seconds(
                i64::try_from(config.reservation_ttl_secs).unwrap_or(900),
            ),
        },
    );
    let catalog = CatalogService::new(
        stores.products.clone(),
        stores.stock.clone(),
        clock.clone(),
        config.currency,
    );
    // The storefront also verifies its webhooks, with `WOOCOMMERCE_WEBHOOK_SECRET` (in `woo`).
    let storefront: Option<Arc<dyn merx_sync::Storefront>> = match &config.woocommerce {
        Some(woo) => Some(Arc::new(
            merx_woocommerce::WooCommerce::new(woo).map_err(StartupError::Other)?,
        )),
        None => None,
    };
    let sync = Arc::new(merx_sync::SyncService::new(
        storefront,
        stores.sync_links.clone(),
        catalog.clone(),
        stores.orders.clone(),
        clock.clone(),
    ));
    let mut deliveries = outbox_delivery(config, stores, mailer, clock.clone());
    if sync.is_configured() {
        deliveries = deliveries
            .with_receiver(
                merx_sync::WOOCOMMERCE_ORDER,
                Arc::new(merx_sync::OrderPush::new(sync.clone())),
            )
            .with_receiver(
                merx_sync::WOOCOMMERCE_STOCK,
                Arc::new(merx_sync::StockPush::new(sync.clone())),
            );
    }
    Ok(AppState {
        auth,
        api_keys: ApiKeyService::new(stores.api_keys.clone(), clock.clone()),
        addresses: AddressBook::new(stores.addresses.clone(), clock.clone()),
        catalog,
        inventory: InventoryService::new(stores.stock.clone(), clock.clone()),
        pricing,
        carts,
        checkout,
        idempotency: stores.idempotency.clone(),
        audit_log: stores.audit_log.clone(),
        outbox: stores.outbox.clone(),
        deliveries: Arc::new(deliveries),
        sync,
        reviews: merx_reviews::ReviewService::new(
            stores.reviews.clone(),
            stores.products.clone(),
            stores.users.clone(),
            stores.purchases.clone(),
            clock.clone(),
        )
        .with_moderation(merx_reviews::Moderation::of(config.reviews_moderation)),
        privacy: merx_privacy::PrivacyService {
            users: stores.users.clone(),
            addresses: stores.addresses.clone(),
            carts: stores.carts.clone(),
            orders: stores.orders.clone(),
            refunds: stores.checkout.clone(),
            reviews: stores.reviews.clone(),
            audit_log: stores.audit_log.clone(),
            clock: clock.clone(),
        },
        reports: merx_reports::ReportService::new(
            stores.reports.clone(),
            clock.clone(),
            config.timezone,
            config.currency,
        ),
        clock,
        rate_limits: crate::state::RateGate {
            limits: config.rate_limits.clone(),
            limiter: rate_limiter(config, redis.as_ref()),
            trusted_proxies: config.trusted_proxies.clone(),
        },
        health: HealthProbes {
            database: stores.database.clone(),
            redis,
        },
    })
}

/// The outbox's receivers: customer emails through `mailer`.
fn outbox_delivery(
    config: &Config,
    stores: &Stores,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
) -> merx_kernel::outbox_delivery::OutboxDelivery {
    let mut delivery =
        merx_kernel::outbox_delivery::OutboxDelivery::new(stores.outbox.clone(), clock)
            .with_receiver(
                merx_orders::outbound::ORDER_EMAIL,
                Arc::new(merx_orders::order_mail::OrderMails::new(
                    stores.orders.clone(),
                    mailer,
                )),
            );
    delivery.policy.base = chrono::Duration::milliseconds(
        i64::try_from(config.outbox_retry_base_ms).unwrap_or(i64::MAX),
    );
    delivery
}

/// The mailer the configuration asks for: SMTP with `SMTP_URL`, else `log` (which keeps what
/// it sent for a developer or a test to read).
///
/// # Errors
/// A malformed `SMTP_URL` or `MERX_MAIL_FROM`.
pub fn mailer_from_config(
    config: &Config,
    log: Arc<merx_memory::LogMailer>,
) -> Result<Arc<dyn Mailer>, StartupError> {
    match &config.smtp_url {
        Some(url) => Ok(Arc::new(
            merx_smtp::SmtpMailer::new(url, &config.mail_from).map_err(StartupError::Other)?,
        )),
        None => Ok(log),
    }
}

/// Opens the Redis pool when REDIS_URL is set. An unreachable Redis is logged, not fatal:
/// `/ready` reports it, and nothing Redis holds is needed to serve.
///
/// # Errors
/// When the URL is malformed.
pub async fn redis_from_config(
    config: &Config,
) -> Result<Option<merx_redis::RedisPool>, StartupError> {
    let Some(url) = &config.redis_url else {
        return Ok(None);
    };
    let pool = merx_redis::connect(url, 16)?;
    match merx_redis::ping(&pool).await {
        Ok(()) => tracing::info!("redis reachable"),
        Err(e) => tracing::error!(error = %e, "redis unreachable at start"),
    }
    Ok(Some(pool))
}

/// The tax rates and shipping zones a fresh store starts with.
const SHIPPED_PRICING_DEFAULTS: &str = include_str!("../../../config/pricing-defaults.toml");

/// Installs the configured pricing defaults unless this store has had them before.
///
/// # Errors
/// An unreadable or invalid defaults file, or a storage failure.
pub async fn install_pricing_defaults(
    config: &Config,
    pricing: &PricingService,
) -> Result<(), StartupError> {
    let text = match &config.pricing_defaults {
        crate::config::PricingDefaultsSource::None => return Ok(()),
        crate::config::PricingDefaultsSource::Shipped => SHIPPED_PRICING_DEFAULTS.to_owned(),
        crate::config::PricingDefaultsSource::File(path) => std::fs::read_to_string(path)
            .map_err(|e| StartupError::Other(format!("MERX_PRICING_DEFAULTS {path}: {e}")))?,
    };
    let defaults: merx_pricing::PricingDefaults =
        toml::from_str(&text).map_err(|e| StartupError::Other(format!("pricing defaults: {e}")))?;
    let installed = pricing
        .install_defaults(defaults)
        .await
        .map_err(|e| StartupError::Other(format!("pricing defaults: {e}")))?;
    if installed {
        tracing::info!("pricing defaults installed (tax rates, shipping zones)");
    }
    Ok(())
}
