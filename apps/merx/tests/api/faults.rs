//! Faults (spec §14) through a TCP proxy in front of Postgres: a database that goes away
//! answers 503 `service_unavailable` (never 500), also for requests in flight, and the server
//! recovers by itself once it is back.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::carts::{call, product};
use crate::helpers::{Store, error_body, json_of, spawn_app_with};
use merx_fakes::tcp_proxy::FaultProxy;

#[tokio::test(flavor = "multi_thread")]
async fn a_database_that_goes_away_is_503_for_requests_before_and_in_flight_and_comes_back() {
    let proxy = FaultProxy::start(5432).await;
    let port = proxy.port;
    let app = spawn_app_with(Store::Postgres, move |c| {
        let url = c.database_url.clone().expect("a test database");
        c.database_url = Some(url.replacen("127.0.0.1:5432", &format!("127.0.0.1:{port}"), 1));
    })
    .await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "FAULT-1", "USD", 1_000, 5).await;
    let path = format!("/api/v1/products/{pid}");
    json_of(app.get(&path, None).await, 200).await;

    // In flight: many requests are mid-transaction when every connection dies at once.
    let started = Instant::now();
    let in_flight: Vec<_> = (0..40)
        .map(|i| {
            let (url, vid) = (app.url("/api/v1/cart/items"), vid.clone());
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .header("X-Session-ID", format!("sess-fault-{i:02}"))
                    .json(&json!({"variant_id": vid, "quantity": 1}))
                    .send()
                    .await
                    .expect("sent")
                    .status()
                    .as_u16()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(40)).await;
    proxy.cut().await;
    let mut statuses = Vec::new();
    for t in in_flight {
        statuses.push(t.await.expect("task"));
    }
    assert!(
        statuses.iter().all(|s| matches!(s, 201 | 503)),
        "a lost connection is 503, never 500: {statuses:?}"
    );
    assert!(statuses.contains(&503), "the cut hit some: {statuses:?}");
    // Before: answered 503 within the pool's timeout, never hung.
    let res = app.get(&path, None).await;
    error_body(res, 503, "service_unavailable").await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let ready = app.get("/ready", None).await;
    let body = error_body(ready, 503, "service_unavailable").await;
    assert_eq!(body["details"]["checks"]["database"], "unavailable");

    // Back: the server recovers by itself; the cart of the failed request was not half-made.
    proxy.restore();
    let mut back = false;
    for _ in 0..50 {
        if app.get(&path, None).await.status() == 200 {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(back, "the server recovered");
    let cart = call(
        &app,
        Method::GET,
        "/api/v1/cart",
        None,
        Some("sess-fault-1"),
        None,
    )
    .await;
    assert!(
        matches!(cart.status().as_u16(), 200 | 404),
        "{}",
        cart.status()
    );
}

/// Redis cut in front: everything is still served, limits fall back to the instance, `/ready`
/// says Redis is degraded (200); restored, Redis counts again and `/ready` is all ok.
#[tokio::test(flavor = "multi_thread")]
async fn a_redis_that_goes_away_degrades_limits_but_serves_everything() {
    use merx_kernel::{Limit, RateCategory, RateLimits};

    let proxy = FaultProxy::start(6379).await;
    let port = proxy.port;
    let namespace = format!("merx-fault-{}", uuid::Uuid::new_v4().simple());
    let app = spawn_app_with(Store::Memory, move |c| {
        c.redis_url = Some(format!("redis://127.0.0.1:{port}/0"));
        c.rate_limit_namespace = namespace;
        c.rate_limits = RateLimits::default()
            .with(
                RateCategory::Default,
                Limit {
                    requests: 1_000,
                    window_secs: 60,
                },
            )
            .expect("limit");
    })
    .await;
    let ready = json_of(app.get("/ready", None).await, 200).await;
    assert_eq!(ready["checks"]["redis"], "ok", "{ready}");
    let remaining = |res: &reqwest::Response| {
        res.headers()
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<i64>().ok())
    };
    let counted = app.get("/api/v1/products", None).await;
    assert_eq!(counted.status(), 200);
    assert_eq!(remaining(&counted), Some(999), "counted in Redis");

    proxy.cut().await;
    let started = Instant::now();
    for _ in 0..5 {
        let res = app.get("/api/v1/products", None).await;
        assert_eq!(res.status(), 200, "served without Redis");
        assert!(remaining(&res).is_some(), "still limited, in process");
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "no request waits long on a dead Redis: {:?}",
        started.elapsed()
    );
    let degraded = json_of(app.get("/ready", None).await, 200).await;
    assert_eq!(degraded["status"], "degraded", "{degraded}");
    assert_eq!(degraded["checks"]["redis"], "degraded");

    proxy.restore();
    let mut back = false;
    for _ in 0..50 {
        let ready = json_of(app.get("/ready", None).await, 200).await;
        if ready["checks"]["redis"] == "ok" {
            back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(back, "Redis is used again once it is back");
}
