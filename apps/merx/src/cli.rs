//! The `merx` command: serve (default), migrate, create-admin, create-api-key. Results go to
//! stdout alone; logs go to stderr.

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::startup::Application;
use crate::wiring::{StartupError, Stores, build_state};
use merx_orders::outbound::Outbound;

#[derive(Debug, Parser)]
#[command(name = "merx", version, about = "The Merx commerce API server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Create the database if missing and apply pending migrations.
    Migrate,
    /// Create an admin, or promote the user with this email; prints the user id.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
    },
    /// Create an admin API key; prints the key (shown only this once).
    CreateApiKey {
        #[arg(long)]
        name: String,
    },
    /// Load the demo catalog, plus N generated products for benchmarks, and N demo orders
    /// spread over the last 90 days (paid, shipped, refunded, cancelled; in USD, KRW and JOD);
    /// prints what it did (progress on stderr).
    SeedDemo {
        #[arg(long, default_value_t = 0)]
        products: usize,
        #[arg(long, default_value_t = 0)]
        orders: usize,
    },
    /// WooCommerce (needs WOOCOMMERCE_URL and its keys).
    Woocommerce {
        #[command(subcommand)]
        command: WooCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum WooCommand {
    /// List every product at WooCommerce in batches of 100 (progress on stderr); prints how
    /// many were synced and how many failed.
    SyncAll,
}

/// Runs one command and returns what to print on stdout.
///
/// # Errors
/// A [`StartupError`] to report before exiting non-zero.
pub async fn run(cli: Cli, config: Config) -> Result<Option<String>, StartupError> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            Application::build(config)
                .await?
                .run_until_stopped()
                .await?;
            Ok(None)
        }
        Command::Migrate => {
            let url = config
                .database_url
                .as_deref()
                .ok_or_else(|| StartupError::Other("DATABASE_URL is not set".into()))?;
            merx_postgres::ensure_database(url).await?;
            let applied = merx_postgres::run_migrations(url).await?;
            Ok(Some(format!("{applied} migrations applied")))
        }
        Command::CreateAdmin { email, password } => {
            let state = offline_state(&config).await?;
            let (admin, _) = state
                .auth
                .ensure_admin(&email, &password)
                .await
                .map_err(|e| StartupError::Other(e.to_string()))?;
            Ok(Some(admin.id.to_string()))
        }
        Command::SeedDemo { products, orders } => {
            // No outbox messages: demo orders must reach neither customers' inboxes nor the
            // storefront.
            let stores = offline_stores(&config, Outbound::default()).await?;
            let state = build_state(
                &config,
                &stores,
                std::sync::Arc::new(merx_memory::LogMailer::new()),
                None,
            )?;
            // The shop's tax rates and shipping zones, as a server's first start would install.
            crate::wiring::install_pricing_defaults(&config, &state.pricing).await?;
            let fail = |e: merx_catalog::CatalogError| StartupError::Other(e.to_string());
            let bar = crate::progress::Progress::new(
                "seeding products",
                crate::seed::seed_size(products).map_err(fail)?,
            );
            let report =
                crate::seed::seed_with_progress(&state.catalog, products, &|n| bar.advance(n))
                    .await
                    .map_err(fail)?;
            let bar = crate::progress::Progress::new("seeding orders", orders);
            let placed =
                crate::demo_orders::seed_orders(&config, &stores, orders, &|n| bar.advance(n))
                    .await?;
            Ok(Some(format!(
                "{} products created, {} already there, {placed} orders placed",
                report.created, report.skipped
            )))
        }
        Command::Woocommerce {
            command: WooCommand::SyncAll,
        } => {
            let state = offline_state(&config).await?;
            let fail = |e: merx_sync::SyncError| StartupError::Other(e.to_string());
            if !state.sync.is_configured() {
                return Err(fail(merx_sync::SyncError::NotConfigured));
            }
            let ids = state.sync.all_product_ids().await.map_err(fail)?;
            let bar = crate::progress::Progress::new("syncing products", ids.len());
            let summary = state
                .sync
                .sync_many(&ids, merx_sync::SyncOptions::default(), &|done| {
                    bar.set(done);
                })
                .await
                .map_err(fail)?;
            for (id, error) in &summary.failed {
                tracing::warn!(product = %id, error = %error, "not synced");
            }
            Ok(Some(format!(
                "{} products synced, {} failed",
                summary.synced,
                summary.failed.len()
            )))
        }
        Command::CreateApiKey { name } => {
            let state = offline_state(&config).await?;
            let created = state
                .api_keys
                .create(&name, &merx_kernel::Author::System)
                .await
                .map_err(|e| StartupError::Other(e.to_string()))?;
            Ok(Some(created.secret))
        }
    }
}

/// The services on the configured database, for one-shot commands. The in-memory store is
/// refused: whatever a command wrote there would vanish as it exits.
async fn offline_state(config: &Config) -> Result<crate::state::AppState, StartupError> {
    let stores = offline_stores(config, config.outbound()).await?;
    build_state(
        config,
        &stores,
        std::sync::Arc::new(merx_memory::LogMailer::new()),
        None,
    )
}

/// The database's stores, for a command run beside the servers.
async fn offline_stores(config: &Config, outbound: Outbound) -> Result<Stores, StartupError> {
    let Some(url) = &config.database_url else {
        return Err(StartupError::Other(
            "DATABASE_URL is not set: the in-memory store lives only inside a running server \
             (give the server MERX_ADMIN_EMAIL and MERX_ADMIN_PASSWORD instead)"
                .into(),
        ));
    };
    Stores::postgres(url, 8, outbound).await
}
