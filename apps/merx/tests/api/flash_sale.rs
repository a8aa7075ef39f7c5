//! Issue 18: the flash sale at a small size. Two instances on one database, a product with 6
//! units and 60 guest buyers at once, each adding it to a cart, opening a session and
//! confirming it: exactly 6 orders, nothing oversold or left held, every other buyer told
//! 409 `insufficient_inventory`, and the sold-out product leaves the `in_stock` list.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use crate::carts::{call, product};
use crate::checkout::{session_body, stock};
use crate::helpers::{Store, TestApp, json_of, spawn_app_with, start};

const UNITS: i64 = 6;
const BUYERS: usize = 60;

async fn step(app: &TestApp, path: &str, body: Option<Value>, session: &str) -> (u16, Value) {
    let res = call(app, Method::POST, path, body, Some(session), None).await;
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

/// One buyer's whole checkout: the status that ended it and its error code, if any.
async fn buy(app: &TestApp, buyer: usize, variant: &str) -> (u16, String) {
    let session = format!("sess-flash-sale-{buyer:04}");
    let add = json!({"variant_id": variant, "quantity": 1});
    let ended = |(status, body): (u16, Value)| {
        (
            status,
            body["error"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let (status, cart) = step(app, "/api/v1/cart/items", Some(add), &session).await;
    if status != 201 {
        return ended((status, cart));
    }
    let body = session_body(cart["id"].as_str().expect("cart id"));
    let (status, opened) = step(app, "/api/v1/checkout/sessions", Some(body), &session).await;
    if status != 201 {
        return ended((status, opened));
    }
    let path = format!(
        "/api/v1/checkout/sessions/{}/confirm",
        opened["checkout_id"].as_str().expect("checkout id")
    );
    ended(step(app, &path, None, &session).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flash_sale_over_two_instances_sells_exactly_its_units() {
    let first = spawn_app_with(Store::Postgres, |c| {
        c.sweep_interval_secs = 0;
        c.database_pool_size = 20;
    })
    .await;
    let second = Arc::new(start(first.config.clone(), first.db.clone()).await);
    let first = Arc::new(first);
    let admin = first.admin().await.access;
    let (pid, vid) = product(&first, &admin, "FLASH-SALE", "USD", 12_000, UNITS).await;

    let buyers = (0..BUYERS).map(|i| {
        let app = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let vid = vid.clone();
        tokio::spawn(async move { buy(&app, i, &vid).await })
    });
    let ends: Vec<(u16, String)> = futures_util::future::join_all(buyers)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let ordered = ends.iter().filter(|(s, _)| *s == 201).count();
    let refused = ends
        .iter()
        .filter(|(s, code)| *s == 409 && code == "insufficient_inventory")
        .count();
    assert_eq!(ordered, 6, "exactly the units are sold: {ends:?}");
    assert_eq!(
        refused,
        BUYERS - 6,
        "everyone else is told it is sold out: {ends:?}"
    );

    let orders = json_of(
        first.get("/api/v1/orders?page_size=1", Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(orders["total"], 6, "one order per winning buyer");
    assert_eq!(
        stock(&first, &pid, &vid).await,
        (0, 0, 0),
        "none left, none held"
    );
    assert_eq!(stock(&second, &pid, &vid).await, (0, 0, 0));
    let listed = json_of(
        second
            .get("/api/v1/products?in_stock=true&page_size=100", None)
            .await,
        200,
    )
    .await;
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|p| p["id"] != pid.as_str()),
        "a sold-out product is not in stock"
    );
}
