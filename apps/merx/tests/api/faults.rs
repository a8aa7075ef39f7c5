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
