//! Spec §8, §13 WooCommerce over HTTP against the fake of providers.md §3, on both stores:
//! products synced once and updated after (also when found by SKU), 150 products in two batch
//! calls, inventory in each direction, an order pushed twice giving one WooCommerce order,
//! paid orders pushed by the outbox through an outage exactly once, signed webhooks, and
//! 422 `woocommerce_unavailable` with no message written when WooCommerce is not configured;
//! one variant listed as a simple product whatever its options, a product found by SKU
//! adopted whatever its type (spec §15), and the keys kept out of error bodies and the
//! outbox when they travel in the query string (spec §17).

use std::collections::HashSet;
use std::time::Duration;

use merx_fakes::tcp_proxy::FaultProxy;
use merx_fakes::woocommerce::{CONSUMER_KEY, CONSUMER_SECRET, FakeWooCommerce, WEBHOOK_SECRET};
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::product;
use crate::checkout::{cash_order, stock};
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app, spawn_app_with, start};

both_stores!(
    unconfigured_woocommerce_is_unavailable_and_gets_no_message,
    products_are_synced_once_and_updated_after,
    many_products_go_in_batches_of_100,
    inventory_syncs_in_each_direction,
    an_order_pushed_twice_is_one_woocommerce_order,
    paid_orders_reach_woocommerce_once_through_an_outage,
    webhooks_are_verified_and_set_stock_once_per_body,
    stock_changes_of_synced_products_reach_woocommerce,
    a_product_of_one_variant_is_simple_whatever_its_options,
    a_product_found_by_sku_is_adopted_whatever_its_type,
    woocommerce_keys_never_reach_an_error_body_or_the_outbox,
);

async fn woo_app(store: Store, fake: &FakeWooCommerce) -> TestApp {
    woo_app_at(store, fake.url()).await
}

/// The app with WooCommerce at `url` (the fake's, or a proxy's in front of it).
async fn woo_app_at(store: Store, url: String) -> TestApp {
    spawn_app_with(store, move |c| {
        c.woocommerce = Some(merx_woocommerce::WooConfig {
            url,
            consumer_key: CONSUMER_KEY.into(),
            consumer_secret: CONSUMER_SECRET.into(),
            webhook_secret: Some(WEBHOOK_SECRET.into()),
        });
        c.outbox_interval_ms = 20;
        c.outbox_retry_base_ms = 50;
    })
    .await
}

async fn sync(app: &TestApp, admin: &str, body: Value) -> Value {
    json_of(
        app.post("/api/v1/woocommerce/products/sync", &body, Some(admin))
            .await,
        200,
    )
    .await
}

/// A cash order of one unit, then marked paid by the admin: a paid order.
async fn paid_order(app: &TestApp, admin: &str, session: &str, variant: &str) -> Value {
    let order = cash_order(app, session, variant, 1).await;
    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    json_of(
        app.send(
            Method::PATCH,
            &path,
            &json!({"payment_status": "paid"}),
            Some(admin),
        )
        .await,
        200,
    )
    .await
}

async fn outbox(app: &TestApp, admin: &str, query: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/admin/outbox{query}"), Some(admin))
            .await,
        200,
    )
    .await
}

/// Waits until no stock push is waiting in the outbox (our pushes would overwrite a change
/// the test makes at WooCommerce, as they should: Merx is the stock master).
async fn stock_pushes_done(app: &TestApp, admin: &str) {
    for _ in 0..250 {
        let mut waiting = 0;
        for status in ["pending", "failed"] {
            let page = outbox(app, admin, &format!("?status={status}&page_size=100")).await;
            waiting += page["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["kind"] == "woocommerce.stock")
                .count();
        }
        if waiting == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("stock pushes still waiting");
}

/// Waits until `done` holds (or ten seconds pass).
async fn eventually(mut done: impl FnMut() -> bool) {
    for _ in 0..500 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn unconfigured_woocommerce_is_unavailable_and_gets_no_message(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "WOO-OFF", "USD", 1_000, 5).await;
    for (path, body) in [
        (
            "/api/v1/woocommerce/products/sync",
            json!({"product_id": pid}),
        ),
        (
            "/api/v1/woocommerce/inventory/sync",
            json!({"product_id": pid, "variant_id": vid, "sync_direction": "to_woocommerce"}),
        ),
        ("/api/v1/woocommerce/orders", json!({"order_id": pid})),
    ] {
        error_body(
            app.post(path, &body, Some(&admin)).await,
            422,
            "woocommerce_unavailable",
        )
        .await;
    }
    error_body(
        app.post("/api/v1/webhooks/woocommerce", &json!({}), None)
            .await,
        422,
        "woocommerce_unavailable",
    )
    .await;
    // Admin only.
    error_body(
        app.post(
            "/api/v1/woocommerce/products/sync",
            &json!({"product_id": pid}),
            None,
        )
        .await,
        401,
        "authentication_required",
    )
    .await;
    paid_order(&app, &admin, "sess-woo-off", &vid).await;
    let listed = outbox(&app, &admin, "").await;
    let kinds: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert!(!kinds.is_empty(), "the confirmation mail is in the outbox");
    assert!(
        kinds.iter().all(|k| *k == "email.order"),
        "no WooCommerce message: {kinds:?}"
    );
    error_body(
        app.get("/api/v1/admin/outbox?status=lost", Some(&admin))
            .await,
        422,
        "validation_error",
    )
    .await;
}

async fn products_are_synced_once_and_updated_after(store: Store) {
    let fake = FakeWooCommerce::start().await;
    let app = woo_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (pid, _) = product(&app, &admin, "WOO-TEE", "USD", 2_199, 7).await;
    let first = sync(&app, &admin, json!({"product_id": pid})).await;
    assert_eq!(first["success"], true);
    assert_eq!(first["product_id"], pid.as_str());
    let woo_id = first["woocommerce_product_id"].as_i64().unwrap();
    assert!(
        first["synced_fields"]
            .as_array()
            .unwrap()
            .contains(&json!("stock_quantity"))
    );
    assert!(first["sync_timestamp"].is_string());
    let at_woo = fake.product(woo_id).expect("created");
    assert_eq!(at_woo["type"], "simple");
    assert_eq!(at_woo["regular_price"], "21.99", "decimal string");
    assert_eq!(at_woo["stock_quantity"], 7);
    assert_eq!(
        at_woo["images"][0]["src"],
        "https://cdn.example/WOO-TEE.jpg"
    );

    // Renamed, synced again: the same WooCommerce product.
    json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/products/{pid}"),
            &json!({"name": "Renamed tee"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    let again = sync(
        &app,
        &admin,
        json!({"product_id": pid, "sync_images": false}),
    )
    .await;
    assert_eq!(again["woocommerce_product_id"], woo_id);
    assert_eq!(fake.products().len(), 1);
    assert_eq!(fake.product(woo_id).unwrap()["name"], "Renamed tee");

    // A product WooCommerce already has by SKU (the link was never stored here) is updated.
    let (other, _) = product(&app, &admin, "WOO-KNOWN", "USD", 500, 1).await;
    let known = reqwest::Client::new()
        .post(format!("{}/wp-json/wc/v3/products", fake.url()))
        .basic_auth(CONSUMER_KEY, Some(CONSUMER_SECRET))
        .json(&json!({"name": "Made in WooCommerce", "sku": "WOO-KNOWN", "regular_price": "9.00"}))
        .send()
        .await
        .unwrap();
    let known: Value = known.json().await.unwrap();
    let synced = sync(&app, &admin, json!({"product_id": other})).await;
    assert_eq!(synced["woocommerce_product_id"], known["id"]);
    assert_eq!(fake.products().len(), 2);

    // Several variants: a variable product with one variation each.
    let variable = json_of(
        app.post(
            "/api/v1/products",
            &json!({"name": "Hoodie", "status": "active", "currency": "USD",
                "variants": [
                    {"sku": "HOOD-S", "name": "S", "options": {"Size": "S"}, "price": 4_500, "inventory_count": 2},
                    {"sku": "HOOD-M", "name": "M", "options": {"Size": "M"}, "price": 4_500, "inventory_count": 4}]}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    let hoodie = sync(&app, &admin, json!({"product_id": variable["id"]})).await;
    let hoodie_id = hoodie["woocommerce_product_id"].as_i64().unwrap();
    assert_eq!(fake.product(hoodie_id).unwrap()["type"], "variable");
    let variations = fake.variations(hoodie_id);
    let skus: HashSet<&str> = variations
        .iter()
        .map(|v| v["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, HashSet::from(["HOOD-S", "HOOD-M"]));
    sync(&app, &admin, json!({"product_id": variable["id"]})).await;
    assert_eq!(fake.variations(hoodie_id).len(), 2, "updated, not added");

    error_body(
        app.post(
            "/api/v1/woocommerce/products/sync",
            &json!({"product_id": pid, "all": true}),
            Some(&admin),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    error_body(
        app.post(
            "/api/v1/woocommerce/products/sync",
            &json!({"product_id": uuid::Uuid::now_v7()}),
            Some(&admin),
        )
        .await,
        404,
        "product_not_found",
    )
    .await;
}

async fn many_products_go_in_batches_of_100(store: Store) {
    let fake = FakeWooCommerce::start().await;
    let app = woo_app(store, &fake).await;
    let admin = app.admin().await.access;
    let mut ids = Vec::new();
    for i in 0..150 {
        ids.push(
            product(&app, &admin, &format!("BULK-{i:03}"), "USD", 100 + i, 3)
                .await
                .0,
        );
    }
    let summary = sync(&app, &admin, json!({"product_ids": ids})).await;
    assert_eq!(summary["synced"], 150, "{summary}");
    assert_eq!(summary["failed"], json!([]));
    assert_eq!(summary["success"], true);
    let batches = fake
        .calls()
        .iter()
        .filter(|c| *c == "POST /products/batch")
        .count();
    assert_eq!(batches, 2, "150 products in two batch calls");
    assert_eq!(fake.products().len(), 150);
    // All again: updates, no new products.
    let all = sync(&app, &admin, json!({"all": true})).await;
    assert_eq!(all["synced"], 150);
    assert_eq!(fake.products().len(), 150);
}

async fn inventory_syncs_in_each_direction(store: Store) {
    let fake = FakeWooCommerce::start().await;
    let app = woo_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "WOO-INV", "USD", 1_000, 10).await;
    let inv = |body: Value| {
        let (app, admin) = (&app, &admin);
        async move {
            json_of(
                app.post("/api/v1/woocommerce/inventory/sync", &body, Some(admin))
                    .await,
                200,
            )
            .await
        }
    };
    let pushed =
        inv(json!({"product_id": pid, "variant_id": vid, "sync_direction": "to_woocommerce"}))
            .await;
    assert_eq!(
        (
            pushed["platform_quantity"].clone(),
            pushed["woocommerce_quantity"].clone()
        ),
        (json!(10), json!(10))
    );
    assert_eq!(pushed["sync_direction"], "to_woocommerce");
    let woo_id = fake.products()[0]["id"].as_i64().unwrap();
    assert_eq!(fake.product(woo_id).unwrap()["stock_quantity"], 10);

    // Sold at WooCommerce: pulled here.
    stock_pushes_done(&app, &admin).await;
    fake.set_stock(woo_id, None, 6);
    let pulled =
        inv(json!({"product_id": pid, "variant_id": vid, "sync_direction": "from_woocommerce"}))
            .await;
    assert_eq!(pulled["platform_quantity"], 6);
    assert_eq!(stock(&app, &pid, &vid).await, (6, 0, 6));

    // A count set here is pushed.
    let set = inv(json!({"product_id": pid, "variant_id": vid, "quantity": 12, "sync_direction": "to_woocommerce"})).await;
    assert_eq!(set["platform_quantity"], 12);
    assert_eq!(fake.product(woo_id).unwrap()["stock_quantity"], 12);

    // Both ways: pulled, then pushed, both end equal.
    stock_pushes_done(&app, &admin).await;
    fake.set_stock(woo_id, None, 4);
    let both =
        inv(json!({"product_id": pid, "variant_id": vid, "sync_direction": "bidirectional"})).await;
    assert_eq!(
        (
            both["platform_quantity"].clone(),
            both["woocommerce_quantity"].clone()
        ),
        (json!(4), json!(4))
    );
    assert_eq!(stock(&app, &pid, &vid).await.0, 4);

    // Who changed it is in the audit log.
    let audit = json_of(
        app.get(
            &format!("/api/v1/admin/audit-log?action=stock.adjust&target_id={vid}"),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert!(audit["total"].as_u64().unwrap() >= 3, "{audit}");

    error_body(
        app.post(
            "/api/v1/woocommerce/inventory/sync",
            &json!({"product_id": pid, "variant_id": vid, "sync_direction": "sideways", "quantity": -1}),
            Some(&admin),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
}

async fn an_order_pushed_twice_is_one_woocommerce_order(store: Store) {
    let fake = FakeWooCommerce::start().await;
    let app = woo_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (_, vid) = product(&app, &admin, "WOO-ORD", "USD", 17_249, 5).await;
    // A cash order, unpaid: not pushed by itself, but on request.
    let order = cash_order(&app, "sess-woo-push", &vid, 2).await;
    let push = || {
        let (app, admin, id) = (&app, &admin, order["id"].clone());
        async move {
            json_of(
                app.post(
                    "/api/v1/woocommerce/orders",
                    &json!({"order_id": id}),
                    Some(admin),
                )
                .await,
                201,
            )
            .await
        }
    };
    let first = push().await;
    let second = push().await;
    assert_eq!(
        first["woocommerce_order_id"],
        second["woocommerce_order_id"]
    );
    assert_eq!(first["status"], "on-hold", "paid on delivery");
    assert_eq!(first["currency"], "USD");
    let total = order["total"].as_i64().unwrap();
    assert_eq!(
        first["total"],
        format!("{}.{:02}", total / 100, total % 100)
    );
    assert_eq!(fake.orders().len(), 1);
    let at_woo = &fake.orders()[0];
    assert_eq!(at_woo["set_paid"], false);
    assert_eq!(at_woo["line_items"][0]["quantity"], 2);
    assert_eq!(fake.products().len(), 1, "its product was listed first");
    error_body(
        app.post(
            "/api/v1/woocommerce/orders",
            &json!({"order_id": uuid::Uuid::now_v7()}),
            Some(&admin),
        )
        .await,
        404,
        "order_not_found",
    )
    .await;
}

async fn paid_orders_reach_woocommerce_once_through_an_outage(store: Store) {
    let fake = FakeWooCommerce::start().await;
    let app = woo_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (_, vid) = product(&app, &admin, "WOO-OUT", "USD", 2_500, 20).await;
    // WooCommerce is down.
    fake.fail_next(&[503; 10_000]);
    let mut ids = HashSet::new();
    for i in 0..3 {
        let order = paid_order(&app, &admin, &format!("sess-woo-out-{i}"), &vid).await;
        ids.insert(order["id"].as_str().unwrap().to_owned());
    }
    // Meanwhile the admin sees the failing pushes with their attempts and last error.
    let mut failing = Value::Null;
    for _ in 0..250 {
        failing = outbox(&app, &admin, "?status=failed").await;
        let pushes = failing["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "woocommerce.order")
            .count();
        if pushes == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let push = failing["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "woocommerce.order")
        .expect("a failing push");
    assert!(push["attempts"].as_u64().unwrap() >= 1);
    assert!(
        push["last_error"].as_str().unwrap().contains("503"),
        "{push}"
    );
    assert_eq!(push["status"], "failed");
    assert!(push["next_attempt_at"].is_string());
    assert!(fake.orders().is_empty());

    // A retry by hand makes it due at once; unknown ids are 404.
    let id = push["id"].as_str().unwrap();
    json_of(
        app.post(
            &format!("/api/v1/admin/outbox/{id}/retry"),
            &json!({}),
            Some(&admin),
        )
        .await,
        202,
    )
    .await;
    error_body(
        app.post(
            &format!("/api/v1/admin/outbox/{}/retry", uuid::Uuid::now_v7()),
            &json!({}),
            Some(&admin),
        )
        .await,
        404,
        "not_found",
    )
    .await;

    // Back: every paid order arrives, once.
    fake.recover();
    eventually(|| fake.orders().len() >= 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let orders = fake.orders();
    let pushed: Vec<String> = orders
        .iter()
        .map(|o| {
            o["meta_data"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["key"] == "merx_order_id")
                .unwrap()["value"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(pushed.len(), 3, "each paid order once: {pushed:?}");
    assert_eq!(pushed.into_iter().collect::<HashSet<_>>(), ids);
    assert_eq!(orders[0]["status"], "processing");
    let delivered = outbox(&app, &admin, "?status=delivered").await;
    assert!(
        delivered["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["kind"] == "woocommerce.order")
            .count()
            == 3
    );
}

async fn webhooks_are_verified_and_set_stock_once_per_body(store: Store) {
    let fake = FakeWooCommerce::start().await;
    let app = woo_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "WOO-HOOK", "USD", 1_000, 10).await;
    let synced = sync(&app, &admin, json!({"product_id": pid})).await;
    let woo_id = synced["woocommerce_product_id"].as_i64().unwrap();
    let deliver = |body: Vec<u8>, headers: Vec<(String, String)>| {
        let app = &app;
        async move {
            let mut req = app
                .request(Method::POST, "/api/v1/webhooks/woocommerce")
                .header("Content-Type", "application/json")
                .body(body);
            for (k, v) in headers {
                req = req.header(k, v);
            }
            req.send().await.unwrap()
        }
    };
    // The ping of a new webhook: unsigned, form-encoded, answered 200.
    let ping = app
        .request(Method::POST, "/api/v1/webhooks/woocommerce")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("webhook_id=12")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200);

    fake.set_stock(woo_id, None, 3);
    let (body, headers) = fake.product_updated(woo_id, WEBHOOK_SECRET);
    let mut forged = headers.clone();
    forged.retain(|(k, _)| k != "X-WC-Webhook-Signature");
    forged.push((
        "X-WC-Webhook-Signature".into(),
        merx_fakes::woocommerce::sign("wrong", &body),
    ));
    error_body(
        deliver(body.clone(), forged).await,
        400,
        "webhook_verification_failed",
    )
    .await;
    assert_eq!(stock(&app, &pid, &vid).await.0, 10, "nothing changed");

    assert_eq!(deliver(body.clone(), headers.clone()).await.status(), 200);
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3));
    // Set here since; the same body delivered again changes nothing.
    json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/inventory/{pid}/variants/{vid}"),
            &json!({"inventory_count": 9, "reason": "recount"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(deliver(body, headers).await.status(), 200);
    assert_eq!(stock(&app, &pid, &vid).await.0, 9, "once per body");
}

/// Two instances on one database deliver one backlog: every order once.
#[tokio::test(flavor = "multi_thread")]
async fn two_instances_share_one_backlog_without_duplicates() {
    let fake = FakeWooCommerce::start().await;
    let a = woo_app(Store::Postgres, &fake).await;
    let b = start(a.config.clone(), a.db.clone()).await;
    let admin = a.admin().await.access;
    let (_, vid) = product(&a, &admin, "WOO-TWO", "USD", 900, 50).await;
    fake.fail_next(&[503; 10_000]);
    for i in 0..8 {
        let app = if i % 2 == 0 { &a } else { &b };
        paid_order(app, &admin, &format!("sess-woo-two-{i}"), &vid).await;
    }
    fake.recover();
    eventually(|| fake.orders().len() >= 8).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let orders = fake.orders();
    let ids: HashSet<String> = orders
        .iter()
        .map(|o| o["meta_data"][0]["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!((orders.len(), ids.len()), (8, 8), "no duplicates");
}

async fn stock_changes_of_synced_products_reach_woocommerce(store: Store) {
    let fake = FakeWooCommerce::start().await;
    let app = woo_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "WOO-STK", "USD", 1_000, 10).await;
    let (_, unsynced) = product(&app, &admin, "WOO-NOT", "USD", 1_000, 10).await;
    let synced = sync(&app, &admin, json!({"product_id": pid})).await;
    let woo_id = synced["woocommerce_product_id"].as_i64().unwrap();
    let at_woo = || fake.product(woo_id).unwrap()["stock_quantity"].as_i64();
    // An order takes 3: WooCommerce shows 7.
    cash_order(&app, "sess-woo-stk", &vid, 3).await;
    eventually(|| at_woo() == Some(7)).await;
    assert_eq!(at_woo(), Some(7));
    // An admin's count is pushed too.
    json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/inventory/{pid}/variants/{vid}"),
            &json!({"inventory_count": 25, "reason": "delivery"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    eventually(|| at_woo() == Some(25)).await;
    assert_eq!(at_woo(), Some(25));
    // A product that is not synced writes no stock message.
    cash_order(&app, "sess-woo-not", &unsynced, 1).await;
    let listed = outbox(&app, &admin, "?page_size=100").await;
    let stock_messages: Vec<&Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "woocommerce.stock")
        .collect();
    assert_eq!(stock_messages.len(), 2, "{stock_messages:?}");
    assert!(
        stock_messages
            .iter()
            .all(|m| m["target"] == format!("product:{pid}:stock"))
    );
}

/// A product made directly at WooCommerce (by a shop owner, before Merx).
async fn made_at_woocommerce(fake: &FakeWooCommerce, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/wp-json/wc/v3/products", fake.url()))
        .basic_auth(CONSUMER_KEY, Some(CONSUMER_SECRET))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// A product of ours with these variants; answers its id and its variants' ids.
async fn product_with(app: &TestApp, admin: &str, body: Value) -> (String, Vec<String>) {
    let created = json_of(app.post("/api/v1/products", &body, Some(admin)).await, 201).await;
    let variants = created["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    (created["id"].as_str().unwrap().to_owned(), variants)
}

/// Sets our count of `variant` and pushes it (`to_woocommerce`).
async fn push_count(app: &TestApp, admin: &str, product: &str, variant: &str, quantity: i64) {
    json_of(
        app.post(
            "/api/v1/woocommerce/inventory/sync",
            &json!({"product_id": product, "variant_id": variant, "quantity": quantity,
                    "sync_direction": "to_woocommerce"}),
            Some(admin),
        )
        .await,
        200,
    )
    .await;
}

async fn a_product_of_one_variant_is_simple_whatever_its_options(store: Store) {
    let fake = FakeWooCommerce::start().await;
    let app = woo_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (pid, variants) = product_with(
        &app,
        &admin,
        json!({"name": "Sized tee", "status": "active", "currency": "USD",
               "variants": [{"sku": "WOO-ONE-M", "name": "M", "options": {"Size": "M"},
                             "price": 1_500, "inventory_count": 6}]}),
    )
    .await;
    let synced = sync(&app, &admin, json!({"product_id": pid})).await;
    let woo_id = synced["woocommerce_product_id"].as_i64().unwrap();
    let at_woo = fake.product(woo_id).expect("listed");
    assert_eq!(at_woo["type"], "simple", "{at_woo}");
    assert_eq!(
        at_woo["sku"], "WOO-ONE-M",
        "a simple product's key is its SKU"
    );
    assert_eq!(at_woo["regular_price"], "15.00");
    assert_eq!(at_woo["stock_quantity"], 6);
    assert_eq!(
        at_woo["attributes"],
        json!([{"name": "size", "options": ["M"], "variation": false, "visible": true,
                "position": 0}]),
        "its options are the product's attributes (names as the catalog keeps them)"
    );
    assert!(fake.variations(woo_id).is_empty());
    assert!(
        !fake.calls().iter().any(|c| c.contains("/variations")),
        "no variation call: {:?}",
        fake.calls()
    );
    // Its stock is the product's own.
    push_count(&app, &admin, &pid, &variants[0], 9).await;
    assert_eq!(fake.product(woo_id).unwrap()["stock_quantity"], 9);
    // Synced again: the same simple product.
    let again = sync(&app, &admin, json!({"product_id": pid})).await;
    assert_eq!(again["woocommerce_product_id"], woo_id);
    assert_eq!(fake.products().len(), 1);
    assert_eq!(fake.product(woo_id).unwrap()["type"], "simple");
}

async fn a_product_found_by_sku_is_adopted_whatever_its_type(store: Store) {
    let fake = FakeWooCommerce::start().await;
    let app = woo_app(store, &fake).await;
    let admin = app.admin().await.access;

    // A variable product at WooCommerce holds the SKU of our one-variant product: adopted as
    // it is, variable, our variant its one variation.
    let theirs = made_at_woocommerce(
        &fake,
        json!({"name": "Made there", "type": "variable", "sku": "WOO-ADOPT-M"}),
    )
    .await;
    let their_id = theirs["id"].as_i64().unwrap();
    let (pid, variants) = product_with(
        &app,
        &admin,
        json!({"name": "Adopted tee", "status": "active", "currency": "USD",
               "variants": [{"sku": "WOO-ADOPT-M", "name": "M", "options": {"Size": "M"},
                             "price": 2_500, "inventory_count": 4}]}),
    )
    .await;
    let synced = sync(&app, &admin, json!({"product_id": pid})).await;
    assert_eq!(
        synced["woocommerce_product_id"], their_id,
        "adopted: {synced}"
    );
    assert_eq!(fake.products().len(), 1, "no second product");
    assert_eq!(fake.product(their_id).unwrap()["type"], "variable");
    let variations = fake.variations(their_id);
    assert_eq!(variations.len(), 1, "{variations:?}");
    assert_eq!(variations[0]["sku"], "WOO-ADOPT-M");
    assert_eq!(variations[0]["regular_price"], "25.00");
    assert_eq!(variations[0]["stock_quantity"], 4);
    // Again: the same product and variation, updated in place; its stock is the variation's.
    let again = sync(&app, &admin, json!({"product_id": pid})).await;
    assert_eq!(again["woocommerce_product_id"], their_id);
    assert_eq!(fake.variations(their_id).len(), 1, "updated, not added");
    push_count(&app, &admin, &pid, &variants[0], 7).await;
    assert_eq!(fake.variations(their_id)[0]["stock_quantity"], 7);
    assert_eq!(fake.product(their_id).unwrap()["type"], "variable");

    // A simple product at WooCommerce holds the key of our two-variant product (its slug): it
    // becomes variable in place, one variation per variant.
    let simple = made_at_woocommerce(
        &fake,
        json!({"name": "Pair there", "sku": "woo-pair", "regular_price": "9.00"}),
    )
    .await;
    let (pair, _) = product_with(
        &app,
        &admin,
        json!({"name": "Pair", "slug": "woo-pair", "status": "active", "currency": "USD",
               "variants": [
                   {"sku": "WOO-PAIR-S", "name": "S", "options": {"Size": "S"}, "price": 1_000, "inventory_count": 2},
                   {"sku": "WOO-PAIR-M", "name": "M", "options": {"Size": "M"}, "price": 1_000, "inventory_count": 3}]}),
    )
    .await;
    let synced = sync(&app, &admin, json!({"product_id": pair})).await;
    assert_eq!(
        synced["woocommerce_product_id"], simple["id"],
        "adopted: {synced}"
    );
    assert_eq!(fake.products().len(), 2);
    let simple_id = simple["id"].as_i64().unwrap();
    assert_eq!(fake.product(simple_id).unwrap()["type"], "variable");
    let skus: HashSet<String> = fake
        .variations(simple_id)
        .iter()
        .map(|v| v["sku"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        skus,
        HashSet::from(["WOO-PAIR-S".into(), "WOO-PAIR-M".into()])
    );

    // In a batch too: the variable product holding our one variant's SKU is adopted.
    let batch_theirs = made_at_woocommerce(
        &fake,
        json!({"name": "Batch there", "type": "variable", "sku": "WOO-BATCH-L"}),
    )
    .await;
    let (one, _) = product_with(
        &app,
        &admin,
        json!({"name": "Batch tee", "status": "active", "currency": "USD",
               "variants": [{"sku": "WOO-BATCH-L", "name": "L", "options": {"Size": "L"},
                             "price": 3_000, "inventory_count": 1}]}),
    )
    .await;
    let summary = sync(&app, &admin, json!({"product_ids": [one]})).await;
    assert_eq!(summary["failed"], json!([]), "{summary}");
    assert_eq!(summary["synced"], 1);
    assert_eq!(fake.products().len(), 3, "no second product");
    let batch_id = batch_theirs["id"].as_i64().unwrap();
    assert_eq!(fake.product(batch_id).unwrap()["type"], "variable");
    let variations = fake.variations(batch_id);
    assert_eq!(variations.len(), 1, "{variations:?}");
    assert_eq!(variations[0]["sku"], "WOO-BATCH-L");
    assert_eq!(variations[0]["regular_price"], "30.00");
}

async fn woocommerce_keys_never_reach_an_error_body_or_the_outbox(store: Store) {
    let fake = FakeWooCommerce::start().await;
    // A host that strips the Authorization header: the keys travel in the query string.
    fake.strip_authorization();
    let port: u16 = fake.url().rsplit(':').next().unwrap().parse().unwrap();
    let proxy = FaultProxy::start(port).await;
    let app = woo_app_at(store, format!("http://127.0.0.1:{}", proxy.port)).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "WOO-KEYS", "USD", 1_000, 5).await;
    sync(&app, &admin, json!({"product_id": pid})).await;
    assert_eq!(
        fake.products().len(),
        1,
        "synced with the keys in the query string"
    );

    // WooCommerce cannot be reached now.
    proxy.cut().await;
    let leaks = |text: &str| text.contains(CONSUMER_KEY) || text.contains(CONSUMER_SECRET);
    let failed = error_body(
        app.post(
            "/api/v1/woocommerce/products/sync",
            &json!({"product_id": pid}),
            Some(&admin),
        )
        .await,
        502,
        "woocommerce_sync_failed",
    )
    .await;
    assert!(!leaks(&failed.to_string()), "{failed}");

    // A paid order's push fails in the outbox: its last error tells no key either.
    paid_order(&app, &admin, "sess-woo-keys", &vid).await;
    let mut failing = Vec::new();
    for _ in 0..250 {
        let page = outbox(&app, &admin, "?status=failed&page_size=100").await;
        failing = page["items"].as_array().unwrap().clone();
        if failing.iter().any(|m| m["kind"] == "woocommerce.order") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        failing.iter().any(|m| m["kind"] == "woocommerce.order"),
        "{failing:?}"
    );
    for message in &failing {
        let error = message["last_error"].as_str().expect("a last error");
        assert!(!error.is_empty() && !leaks(error), "{message}");
    }
}
