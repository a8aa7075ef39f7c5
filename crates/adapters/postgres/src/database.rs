use diesel::sql_query;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use merx_kernel::StoreError;

use crate::error::{pool_error, store_error};

/// The migrations of the repository's migrations/ folder, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../../migrations");

/// A pool of async Postgres connections.
pub type PgPool = Pool<AsyncPgConnection>;

/// Builds a pool of at most `max_size` connections. Connections open lazily.
///
/// # Errors
/// When the pool cannot be built from the URL.
pub fn connect(database_url: &str, max_size: usize) -> Result<PgPool, StoreError> {
    let mut config = ManagerConfig::default();
    config.custom_setup = Box::new(|url| Box::pin(establish(url)));
    // No `SELECT 1` before each use: that is a round trip per pool checkout (5 of a cart
    // add's 29 statements). A connection that broke is still dropped (diesel marks it broken
    // on its failed query), so one request fails where the check would have paid for all.
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    // Bounded waits: an exhausted pool or a silent server becomes a 503, not a hung request.
    let limit = Some(std::time::Duration::from_secs(5));
    Pool::builder(manager)
        .max_size(max_size)
        .runtime(deadpool::Runtime::Tokio1)
        .wait_timeout(limit)
        .create_timeout(limit)
        .recycle_timeout(limit)
        .build()
        .map_err(pool_error)
}

/// Opens a connection that plans every statement for its own parameters. Diesel prepares and
/// reuses statements, and after five runs Postgres may switch a statement to one generic plan;
/// for ours that plan is often far worse (`variant_id = ANY($1)` of unknown length read as a
/// table scan, a price range of unknown width sorted in full), and re-planning costs less
/// than a millisecond. Measured on the catalog benchmark: 3-4x the uncached throughput.
async fn establish(url: &str) -> diesel::ConnectionResult<AsyncPgConnection> {
    let mut c = AsyncPgConnection::establish(url).await?;
    sql_query("SET plan_cache_mode = force_custom_plan")
        .execute(&mut c)
        .await
        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
    Ok(c)
}

pub(crate) async fn conn(pool: &PgPool) -> Result<Object<AsyncPgConnection>, StoreError> {
    pool.get().await.map_err(pool_error)
}

/// Whether the database answers a trivial query.
///
/// # Errors
/// When no connection can be had or the query fails.
pub async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    let mut c = conn(pool).await?;
    sql_query("SELECT 1")
        .execute(&mut c)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// The database name in a `postgres://user@host:port/name?options` URL.
#[must_use]
pub fn database_name(url: &str) -> Option<&str> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.split_once('/')?.1;
    let name = path.split(['?', '#']).next()?;
    (!name.is_empty()).then_some(name)
}

/// The same URL pointing at another database on the same server.
#[must_use]
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Creates the URL's database when it does not exist, through the server's `postgres`
/// database. Safe when several instances start at once.
///
/// # Errors
/// When the server is unreachable or refuses.
pub async fn ensure_database(url: &str) -> Result<(), StoreError> {
    let Some(name) = database_name(url) else {
        return Ok(());
    };
    // Try the database itself first: the app's role may not reach `postgres` at all.
    match AsyncPgConnection::establish(url).await {
        Ok(_) => return Ok(()),
        Err(e) if !e.to_string().contains("does not exist") => return Err(pool_error(e)),
        Err(_) => {}
    }
    let mut admin = AsyncPgConnection::establish(&with_database(url, "postgres"))
        .await
        .map_err(pool_error)?;
    let create = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
    match sql_query(create).execute(&mut admin).await {
        Ok(_) => {
            tracing::info!(database = name, "created database");
            Ok(())
        }
        // Another instance created it a moment ago.
        Err(e) if e.to_string().contains("already exists") => Ok(()),
        Err(e) => Err(store_error(e)),
    }
}

/// Applies every pending embedded migration. A Postgres advisory lock keeps two instances
/// starting together from racing. Needs a multi-threaded tokio runtime (the harness blocks
/// in place).
///
/// # Errors
/// When connecting or a migration fails.
pub async fn run_migrations(url: &str) -> Result<usize, StoreError> {
    const LOCK_KEY: i64 = 0x006d_6572_786d_6967; // "merxmig"
    let mut lock = AsyncPgConnection::establish(url)
        .await
        .map_err(pool_error)?;
    sql_query(format!("SELECT pg_advisory_lock({LOCK_KEY})"))
        .execute(&mut lock)
        .await
        .map_err(store_error)?;
    let conn = AsyncPgConnection::establish(url)
        .await
        .map_err(pool_error)?;
    let mut harness = AsyncMigrationHarness::new(conn);
    let applied = harness
        .run_pending_migrations(MIGRATIONS)
        .map(|v| v.len())
        .map_err(|e| StoreError::message(format!("migration failed: {e}")));
    sql_query(format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
        .execute(&mut lock)
        .await
        .map_err(store_error)?;
    applied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_read_from_urls() {
        assert_eq!(
            database_name("postgres://postgres@127.0.0.1:5432/merx"),
            Some("merx")
        );
        assert_eq!(
            database_name("postgres://u:p@h/merx_dev?sslmode=disable"),
            Some("merx_dev")
        );
        assert_eq!(database_name("postgres://u@h:5432"), None);
        assert_eq!(database_name("postgres://u@h:5432/"), None);
    }

    #[test]
    fn urls_can_point_at_another_database() {
        assert_eq!(
            with_database("postgres://u@h:5432/merx?sslmode=disable", "postgres"),
            "postgres://u@h:5432/postgres?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
    }
}
