//! The `merx` binary's commands, run as a script would run them.

use std::process::{Command, Output};
use std::sync::Arc;

use merx_test_db::TestDatabase;
use reqwest::Method;

use crate::helpers::{JWT_SECRET, start, test_config};

fn merx(db: &TestDatabase, args: &[&str]) -> Output {
    merx_with(db, args, &[])
}

fn merx_with(db: &TestDatabase, args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_merx"))
        .args(args)
        .env_clear()
        .env("DATABASE_URL", db.url())
        .env("JWT_SECRET", JWT_SECRET)
        .env("BCRYPT_COST", "4")
        .envs(vars.iter().copied())
        .output()
        .expect("merx runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "merx failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .expect("utf-8")
        .trim_end()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_commands_print_only_their_result_and_share_the_database_with_the_server() {
    let db = TestDatabase::new().await;
    assert_eq!(stdout(&merx(&db, &["migrate"])), "0 migrations applied");

    let id = stdout(&merx(
        &db,
        &[
            "create-admin",
            "--email",
            "Boss@Example.com",
            "--password",
            "boss-password",
        ],
    ));
    assert!(
        uuid::Uuid::parse_str(&id).is_ok(),
        "stdout is the id alone: {id:?}"
    );
    let again = stdout(&merx(
        &db,
        &[
            "create-admin",
            "--email",
            "boss@example.com",
            "--password",
            "ignored-pass",
        ],
    ));
    assert_eq!(again, id, "an existing user is promoted, not duplicated");

    let key = stdout(&merx(&db, &["create-api-key", "--name", "erp"]));
    assert!(key.starts_with("mrx_") && !key.contains('\n'), "{key:?}");

    let mut config = test_config();
    config.database_url = Some(db.url().to_owned());
    let db = Arc::new(db);
    let app = start(config, Some(db)).await;
    let res = app
        .request(Method::GET, "/api/v1/admin/api-keys")
        .header("X-Api-Key", &key)
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.login("boss@example.com", "boss-password")
            .await
            .status(),
        200
    );
}

#[test]
fn a_database_without_a_jwt_secret_is_a_clear_start_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_merx"))
        .arg("serve")
        .env_clear()
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:5432/never_created",
        )
        .output()
        .expect("merx runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("JWT_SECRET"), "{err}");
}

#[test]
fn one_shot_commands_refuse_the_in_memory_store() {
    let out = Command::new(env!("CARGO_BIN_EXE_merx"))
        .args(["create-api-key", "--name", "x"])
        .env_clear()
        .output()
        .expect("merx runs");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no key is printed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("DATABASE_URL"));
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_demo_loads_the_catalog_once() {
    let db = TestDatabase::new().await;
    let first = stdout(&merx(&db, &["seed-demo", "--products", "30"]));
    let created: usize = first
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count first");
    assert!(created >= 50, "{first}");
    let again = merx(&db, &["seed-demo", "--products", "30"]);
    assert!(
        stdout(&again).starts_with("0 products created"),
        "{again:?}"
    );
    // Progress went to stderr, a line per tenth (stderr is not a terminal here).
    let progress = String::from_utf8_lossy(&again.stderr);
    assert!(
        progress.contains(&format!("seeding products: {created}/{created}")),
        "{progress}"
    );
}

/// Demo orders: placed over the last 90 days through the services, sold in three currencies,
/// some refunded, some cancelled; the reports show them, and no message leaves for them.
#[tokio::test(flavor = "multi_thread")]
async fn seed_demo_places_orders_over_ninety_days_that_the_reports_show() {
    let db = TestDatabase::new().await;
    let out = merx(&db, &["seed-demo", "--orders", "40"]);
    assert!(stdout(&out).ends_with(", 40 orders placed"), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("seeding orders: 40/40"),
        "{out:?}"
    );
    let mut config = test_config();
    config.database_url = Some(db.url().to_owned());
    let app = start(config, Some(Arc::new(db))).await;
    let admin = app.admin().await.access;
    let day = |days_ago: i64| (chrono::Utc::now() - chrono::Duration::days(days_ago)).date_naive();
    let sales = |from: i64, to: i64| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let res = app
                .get(
                    &format!(
                        "/api/v1/admin/reports/sales?from={}&to={}&interval=month",
                        day(from),
                        day(to)
                    ),
                    Some(&admin),
                )
                .await;
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.expect("json")
        }
    };
    let all = sales(92, -1).await;
    let totals = all["currency_totals"].as_array().expect("totals");
    let currencies: Vec<&str> = totals
        .iter()
        .filter_map(|t| t["currency"].as_str())
        .collect();
    assert_eq!(currencies, ["JOD", "KRW", "USD"], "{all}");
    let count = |key: &str| totals.iter().filter_map(|t| t[key].as_i64()).sum::<i64>();
    // Of every 20: 1 left unpaid and 2 cancelled; the rest sold.
    assert_eq!(count("orders"), 34, "{all}");
    assert!(count("refunds") > 0, "{all}");
    let early = sales(92, 60).await;
    assert!(
        early["currency_totals"]
            .as_array()
            .is_some_and(|t| !t.is_empty()),
        "orders reach back past 60 days: {early}"
    );
    let outbox = app.get("/api/v1/admin/outbox", Some(&admin)).await;
    assert_eq!(
        outbox.json::<serde_json::Value>().await.expect("json")["total"],
        0,
        "no mail or storefront message for demo orders"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn woocommerce_sync_all_lists_every_product_with_progress_and_one_summary_line() {
    let db = TestDatabase::new().await;
    let fake = merx_fakes::woocommerce::FakeWooCommerce::start().await;
    let seeded = stdout(&merx(&db, &["seed-demo", "--products", "120"]));
    let count: usize = seeded
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count first");
    let url = fake.url();
    let vars = [
        ("WOOCOMMERCE_URL", url.as_str()),
        (
            "WOOCOMMERCE_CONSUMER_KEY",
            merx_fakes::woocommerce::CONSUMER_KEY,
        ),
        (
            "WOOCOMMERCE_CONSUMER_SECRET",
            merx_fakes::woocommerce::CONSUMER_SECRET,
        ),
    ];
    let out = merx_with(&db, &["woocommerce", "sync-all"], &vars);
    assert_eq!(stdout(&out), format!("{count} products synced, 0 failed"));
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(
        progress.contains(&format!("syncing products: {count}/{count}")),
        "{progress}"
    );
    assert_eq!(fake.products().len(), count);
    let batches = fake
        .calls()
        .iter()
        .filter(|c| *c == "POST /products/batch")
        .count();
    assert_eq!(batches, count.div_ceil(100));
    // Without WooCommerce: a clear error, nothing on stdout.
    let off = merx(&db, &["woocommerce", "sync-all"]);
    assert!(!off.status.success());
    assert!(off.stdout.is_empty());
    assert!(String::from_utf8_lossy(&off.stderr).contains("WooCommerce is not configured"));
}

/// Issue 18: a search matching more than 1,000 products answers the planner's estimate of
/// its total with `total_is_estimate: true` and a full page that says a next one follows; a
/// narrow search is counted exactly and carries no such field.
#[tokio::test(flavor = "multi_thread")]
async fn broad_searches_estimate_their_total_and_narrow_ones_count_it() {
    let db = Arc::new(TestDatabase::new().await);
    let seeded = merx(&db, &["seed-demo", "--products", "1500"]);
    assert!(seeded.status.success(), "{seeded:?}");
    let mut config = test_config();
    config.database_url = Some(db.url().to_owned());
    let app = start(config, Some(db.clone())).await;

    let broad = app
        .get("/api/v1/products?search=item&page_size=50", None)
        .await;
    assert_eq!(broad.status(), 200);
    let broad: serde_json::Value = broad.json().await.expect("json");
    assert_eq!(broad["total_is_estimate"], true, "{}", broad["total"]);
    assert_eq!(broad["items"].as_array().map(Vec::len), Some(50));
    assert_eq!(broad["has_next"], true);
    assert!(broad["total"].as_u64().is_some_and(|t| t >= 50));
    assert!(
        broad["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|p| p["name"].as_str().is_some_and(|n| n.contains("item"))),
        "every product shown matches"
    );

    let narrow = app.get("/api/v1/products?search=item 000123", None).await;
    let narrow: serde_json::Value = narrow.json().await.expect("json");
    assert_eq!(narrow["total"], 1);
    assert!(narrow.get("total_is_estimate").is_none(), "{narrow}");
}
