//! Spec §17 on both stores: the ways around rate limits and metrics found in the security
//! review stay closed. A percent-encoded path is counted in the category of the route it
//! reaches, a made-up method never becomes a metrics label, an IPv6 client is one budget per
//! /64, a direct reservation counts as checkout, and a made-up API key from an address that
//! spent its budget is refused before it is looked up.

use merx_kernel::RateCategory;
use reqwest::{Method, Response};
use serde_json::json;

use crate::both_stores;
use crate::carts::product;
use crate::checkout::guest_cart;
use crate::helpers::{Store, TestApp, error_body, spawn_app_with};
use crate::rate_limits::limits;

both_stores!(
    a_percent_encoded_login_is_counted_as_login,
    made_up_methods_are_one_metrics_label,
    an_ipv6_client_is_one_budget_per_64,
    a_direct_reservation_counts_as_checkout,
);

/// An app whose limit of `category` is `requests` a minute, behind the test client as a
/// trusted proxy (its `X-Forwarded-For` names the client).
async fn limited(store: Store, category: RateCategory, requests: u32) -> TestApp {
    spawn_app_with(store, |c| {
        c.rate_limits = limits(category, requests);
        c.trusted_proxies = vec![merx::trusted_proxies::Cidr::parse("127.0.0.1").expect("cidr")];
    })
    .await
}

fn limit_of(res: &Response) -> Option<i64> {
    res.headers()
        .get("x-ratelimit-limit")?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

async fn a_percent_encoded_login_is_counted_as_login(store: Store) {
    let app = limited(store, RateCategory::Login, 3).await;
    let wrong = json!({"email": "nobody@example.com", "password": "wrong-password"});
    for path in [
        "/api/v1/auth/%6Cogin",
        "/api/v1/auth/log%69n",
        "/api/v1/auth/login",
    ] {
        let res = app.post(path, &wrong, None).await;
        assert_eq!(res.status(), 401, "{path} reaches the login handler");
        assert_eq!(limit_of(&res), Some(3), "{path} is counted as login");
    }
    error_body(
        app.post("/api/v1/auth/%6C%6F%67%69%6E", &wrong, None).await,
        429,
        "rate_limit_exceeded",
    )
    .await;
}

async fn made_up_methods_are_one_metrics_label(store: Store) {
    let app = limited(store, RateCategory::Default, 1_000).await;
    for method in ["BREW", "PROPFIND", "X-SCAN-4242"] {
        let m = Method::from_bytes(method.as_bytes()).expect("method");
        let res = app
            .request(m, "/api/v1/products")
            .send()
            .await
            .expect("sent");
        assert!(res.status().is_client_error(), "{method}");
    }
    let unmatched = app.get("/api/v1/no/such/route/4242", None).await;
    assert_eq!(unmatched.status(), 404);
    let metrics = app
        .get("/metrics", None)
        .await
        .text()
        .await
        .expect("metrics");
    for leaked in ["BREW", "PROPFIND", "X-SCAN-4242", "/no/such/route"] {
        assert!(!metrics.contains(leaked), "{leaked} became a label");
    }
    assert!(metrics.contains(r#"method="OTHER""#), "{metrics}");
    assert!(metrics.contains(r#"route="unmatched""#), "{metrics}");
}

async fn get_as(app: &TestApp, ip: &str) -> Response {
    app.request(Method::GET, "/api/v1/products")
        .header("X-Forwarded-For", ip)
        .send()
        .await
        .expect("sent")
}

async fn an_ipv6_client_is_one_budget_per_64(store: Store) {
    let app = limited(store, RateCategory::Default, 2).await;
    assert_eq!(get_as(&app, "2001:db8:7:1::1").await.status(), 200);
    assert_eq!(get_as(&app, "2001:db8:7:1:ffff::2").await.status(), 200);
    // Another address of the same /64 is the same client.
    error_body(
        get_as(&app, "2001:db8:7:1:abcd:1234:5678:9").await,
        429,
        "rate_limit_exceeded",
    )
    .await;
    // The next /64 is someone else.
    assert_eq!(get_as(&app, "2001:db8:7:2::1").await.status(), 200);
}

async fn a_direct_reservation_counts_as_checkout(store: Store) {
    let app = limited(store, RateCategory::Checkout, 2).await;
    let admin = app.admin().await.access;
    let (_, vid) = product(&app, &admin, "LIMITED-RESERVE", "USD", 1_000, 50).await;
    let guest = "sess-limit-reserve";
    let cart = guest_cart(&app, guest, &vid, 1).await;
    let body = json!({"cart_id": cart, "items": [{"variant_id": vid, "quantity": 1}]});
    let reserve = || {
        app.request(Method::POST, "/api/v1/inventory/reserve")
            .header("X-Session-ID", guest)
            .header("X-Forwarded-For", "198.51.100.77")
            .json(&body)
            .send()
    };
    for _ in 0..2 {
        let res = reserve().await.expect("sent");
        assert_eq!(res.status(), 201);
        assert_eq!(limit_of(&res), Some(2), "the checkout category's limit");
    }
    error_body(reserve().await.expect("sent"), 429, "rate_limit_exceeded").await;
}

/// Postgres counts the statements: once an address has spent its budget, a made-up API key
/// from it is refused without a lookup.
#[tokio::test(flavor = "multi_thread")]
async fn a_made_up_api_key_is_refused_before_it_is_looked_up() {
    merx_test_db::count_statements();
    let app = spawn_app_with(Store::Postgres, |c| {
        c.rate_limits = limits(RateCategory::Default, 2);
        c.trusted_proxies = vec![merx::trusted_proxies::Cidr::parse("127.0.0.1").expect("cidr")];
        c.sweep_interval_secs = 0;
        c.outbox_interval_ms = 0;
    })
    .await;
    let bogus = || {
        app.request(Method::GET, "/api/v1/admin/outbox")
            .header("X-Api-Key", "mrx_made_up_key_0000000000000000")
            .header("X-Forwarded-For", "192.0.2.200")
            .send()
    };
    for _ in 0..2 {
        let _ = merx_test_db::take_statements();
        let res = bogus().await.expect("sent");
        assert_eq!(res.status(), 401);
        assert!(
            !merx_test_db::take_statements().is_empty(),
            "within the budget a key is looked up"
        );
    }
    let _ = merx_test_db::take_statements();
    error_body(bogus().await.expect("sent"), 429, "rate_limit_exceeded").await;
    let statements = merx_test_db::take_statements();
    assert!(statements.is_empty(), "no lookup: {statements:?}");
}
