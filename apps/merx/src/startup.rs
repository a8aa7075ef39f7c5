//! Builds and runs the server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use merx_memory::LogMailer;

use crate::config::Config;
use crate::http;
use crate::http::cache::ResponseCache;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::wiring::{
    StartupError, Stores, build_state, install_pricing_defaults, mailer_from_config,
    redis_from_config,
};

/// Demo orders the in-memory server starts with (with its demo catalog).
const DEMO_ORDERS: usize = 120;

/// A bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    /// The log mailer every email goes through unless `SMTP_URL` is set.
    pub mailer: Arc<LogMailer>,
    pub state: web::Data<AppState>,
    /// In memory without `MERX_ADMIN_EMAIL`: the demo admin made at start (printed once).
    pub demo_admin: Option<DemoAdmin>,
}

/// An admin made so the admin routes can be tried at once (in memory only).
#[derive(Debug, Clone)]
pub struct DemoAdmin {
    pub email: String,
    pub password: String,
}

impl Application {
    /// Opens the configured store and binds `HOST:PORT` (port 0 picks a free one).
    ///
    /// # Errors
    /// When the store, Redis URL, JWT secret or address is unusable.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let stores = Stores::from_config(&config).await?;
        Self::build_with_stores(config, &stores).await
    }

    /// As [`Application::build`], on stores the caller made (tests swap adapters here).
    ///
    /// # Errors
    /// As for [`Application::build`].
    pub async fn build_with_stores(config: Config, stores: &Stores) -> Result<Self, StartupError> {
        let redis = redis_from_config(&config).await?;
        let mailer = Arc::new(LogMailer::new());
        let sender = mailer_from_config(&config, mailer.clone())?;
        let state = web::Data::new(build_state(&config, stores, sender, redis)?);
        ensure_configured_admin(&config, &state).await?;
        let demo_admin = if stores.database.is_none() && config.admin_email.is_none() {
            Some(demo_admin(&state).await?)
        } else {
            None
        };
        install_pricing_defaults(&config, &state.pricing).await?;
        if stores.database.is_none() && config.demo_data {
            let report = crate::seed::seed(&state.catalog, 0)
                .await
                .map_err(|e| StartupError::Other(format!("demo catalog: {e}")))?;
            // Not where their messages would leave the process: a real mail server or shop.
            let quiet = config.smtp_url.is_none() && config.woocommerce.is_none();
            let orders = if quiet {
                crate::demo_orders::seed_orders(&config, stores, DEMO_ORDERS, &|_| {}).await?
            } else {
                0
            };
            tracing::info!(
                products = report.created,
                orders,
                "in-memory store: demo catalog and orders loaded"
            );
        }

        if config.sweep_interval_secs > 0 {
            crate::sweeper::spawn(
                state.clone(),
                Duration::from_secs(config.sweep_interval_secs),
            );
        }

        if config.outbox_interval_ms > 0 {
            crate::outbox_worker::spawn(
                state.deliveries.clone(),
                Duration::from_millis(config.outbox_interval_ms),
            );
        }

        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let port = listener.local_addr()?.port();
        let metrics = web::Data::new(Metrics::new());
        let cache = web::Data::new(ResponseCache::new(
            Duration::from_millis(config.catalog_cache_ms),
            10_000,
        ));
        {
            // Every catalog, price or stock write through these stores clears it at once.
            let cache = cache.clone();
            stores.catalog_signal.subscribe(move || cache.clear());
        }
        if let Some(url) = &config.database_url {
            // Other instances' catalog edits clear this one's cache as they commit.
            let cache = cache.clone();
            tokio::spawn(merx_postgres::watch_catalog_changes(
                url.clone(),
                move || {
                    cache.clear();
                },
            ));
        }
        let app_state = state.clone();
        let body_limit = config.body_limit_bytes;
        let origins = config.cors_origins.clone();
        let mut server = HttpServer::new(move || {
            let cors = http::cors(&origins);
            App::new()
                .app_data(app_state.clone())
                .app_data(metrics.clone())
                .app_data(cache.clone())
                .app_data(web::PayloadConfig::new(body_limit))
                .configure(http::configure)
                .default_service(web::to(http::not_found))
                .wrap(from_fn(http::rate_limit::limit_rate))
                .wrap(Condition::new(cors.is_some(), cors.unwrap_or_default()))
                .wrap(from_fn(http::middleware::around_request))
        })
        .listen(listener)?;
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        let shown = if config.host == "0.0.0.0" || config.host == "::" {
            "localhost"
        } else {
            config.host.as_str()
        };
        let base = format!("http://{shown}:{port}");
        tracing::info!(
            host = %config.host,
            port,
            url = %base,
            docs = %format!("{base}/api/docs"),
            "merx listening on {base} (API docs at {base}/api/docs)"
        );
        Ok(Self {
            port,
            server: server.run(),
            mailer,
            state,
            demo_admin,
        })
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop (SIGINT/SIGTERM: actix drains in-flight requests).
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// `MERX_ADMIN_EMAIL` + `MERX_ADMIN_PASSWORD`: make sure that admin exists (how the in-memory
/// store gets one).
/// Makes the in-memory demo's admin with a random password, and says both once, on stderr
/// (stdout stays the CLI's).
async fn demo_admin(state: &AppState) -> Result<DemoAdmin, StartupError> {
    let admin = DemoAdmin {
        email: "admin@merx.local".into(),
        password: merx_identity::generate_secret("demo-"),
    };
    state
        .auth
        .ensure_admin(&admin.email, &admin.password)
        .await
        .map_err(|e| StartupError::Other(format!("demo admin: {e}")))?;
    eprintln!(
        "merx: in-memory demo admin {} with password {} (set MERX_ADMIN_EMAIL and \
         MERX_ADMIN_PASSWORD to choose your own)",
        admin.email, admin.password
    );
    Ok(admin)
}

async fn ensure_configured_admin(config: &Config, state: &AppState) -> Result<(), StartupError> {
    let (Some(email), Some(password)) = (&config.admin_email, &config.admin_password) else {
        return Ok(());
    };
    let (admin, created) = state
        .auth
        .ensure_admin(email, password)
        .await
        .map_err(|e| StartupError::Other(format!("MERX_ADMIN_EMAIL/MERX_ADMIN_PASSWORD: {e}")))?;
    tracing::info!(admin = %admin.id, created, "configured admin ensured");
    Ok(())
}
