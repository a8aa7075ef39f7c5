//! A fresh Postgres database for each test, cloned from a template that already has every
//! migration (the way crates.io's test suite does it), so tests run in parallel — nextest runs
//! each in its own process — and never see each other's rows. The database is dropped when the
//! [`TestDatabase`] is.
//!
//! The server comes from `MERX_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it is down the test fails with a clear
//! message: these tests never skip.

use diesel::sql_types::Bool;
use diesel::{QueryableByName, sql_query};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

mod statements;
pub use statements::{count_statements, take_statements};

const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const TEMPLATE_PREFIX: &str = "merx_template_";
const TEST_PREFIX: &str = "merx_test_";

/// The server's `postgres` database URL.
#[must_use]
pub fn server_url() -> String {
    std::env::var("MERX_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_SERVER.to_owned())
}

/// A database that exists for as long as this value does.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    datname: String,
}

async fn admin_connection() -> AsyncPgConnection {
    let url = server_url();
    match AsyncPgConnection::establish(&url).await {
        Ok(c) => c,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {url} ({e}). These tests need a real server: start it \
             (pg_ctlcluster 15 main start) or point MERX_TEST_DATABASE_URL at one."
        ),
    }
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) -> Result<usize, diesel::result::Error> {
    sql_query(sql).execute(conn).await
}

/// The migrations' files (hashed by build.rs) and the names of those the adapter embedded:
/// a new migration folder changes the name even when a build step did not run again.
fn fingerprint() -> String {
    use diesel::migration::MigrationSource;
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    env!("MERX_MIGRATIONS_HASH").hash(&mut hasher);
    let embedded = MigrationSource::<diesel::pg::Pg>::migrations(&merx_postgres::MIGRATIONS)
        .unwrap_or_default();
    for m in &embedded {
        m.name().to_string().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// Creates the migrated template once per migrations fingerprint, under an advisory lock so
/// concurrent test processes wait for the first one instead of racing it.
async fn ensure_template(admin: &mut AsyncPgConnection) -> String {
    let template = format!("{TEMPLATE_PREFIX}{}", fingerprint());
    exec(admin, "SELECT pg_advisory_lock(7270726) ")
        .await
        .expect("advisory lock");
    let found: Exists = sql_query(format!(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = '{template}') AS exists"
    ))
    .get_result(admin)
    .await
    .expect("query pg_database");
    if !found.exists {
        let stale: Vec<Name> = sql_query(format!(
            "SELECT datname FROM pg_database WHERE datname LIKE '{TEMPLATE_PREFIX}%'"
        ))
        .load(admin)
        .await
        .unwrap_or_default();
        for old in stale {
            let _ = exec(
                admin,
                &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", old.datname),
            )
            .await;
        }
        exec(admin, &format!("CREATE DATABASE \"{template}\""))
            .await
            .expect("create template");
        let url = merx_postgres::with_database(&server_url(), &template);
        if let Err(e) = merx_postgres::run_migrations(&url).await {
            let _ = exec(admin, &format!("DROP DATABASE \"{template}\" WITH (FORCE)")).await;
            panic!("migrations failed on the template database: {e}");
        }
    }
    exec(admin, "SELECT pg_advisory_unlock(7270726)")
        .await
        .expect("advisory unlock");
    template
}

impl TestDatabase {
    /// A new, migrated, empty database. Needs a multi-threaded tokio runtime.
    ///
    /// # Panics
    /// When PostgreSQL is unreachable or refuses: a test must not pass without its database.
    pub async fn new() -> Self {
        let mut admin = admin_connection().await;
        let template = ensure_template(&mut admin).await;
        let name = format!("{TEST_PREFIX}{}", uuid::Uuid::new_v4().simple());
        exec(
            &mut admin,
            &format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
        )
        .await
        .expect("create test database from template");
        let url = merx_postgres::with_database(&server_url(), &name);
        Self { name, url }
    }

    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    async fn connection(&self) -> Result<AsyncPgConnection, String> {
        AsyncPgConnection::establish(&self.url)
            .await
            .map_err(|e| e.to_string())
    }

    /// Runs one SQL statement on this database as its owner, as a tool outside Merx would;
    /// the rows it touched, or the server's refusal.
    ///
    /// # Errors
    /// The database's error message.
    pub async fn execute(&self, sql: &str) -> Result<usize, String> {
        let mut c = self.connection().await?;
        sql_query(sql)
            .execute(&mut c)
            .await
            .map_err(|e| e.to_string())
    }

    /// The one `bigint` a query answers, named `n` (`SELECT count(*) AS n ...`).
    ///
    /// # Errors
    /// The database's error message.
    pub async fn scalar(&self, sql: &str) -> Result<i64, String> {
        #[derive(QueryableByName)]
        struct Scalar {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = self.connection().await?;
        let row: Scalar = sql_query(sql)
            .get_result(&mut c)
            .await
            .map_err(|e| e.to_string())?;
        Ok(row.n)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread with
        // its own small runtime and wait for it.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let mut admin = admin_connection().await;
                let _ = exec(
                    &mut admin,
                    &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                )
                .await;
            });
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}
