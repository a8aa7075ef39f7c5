//! Spec §17 on both stores: a cart holds at most 100 lines (Stripe's limit for one Checkout
//! Session), and neither line metadata nor customer attributes take more than 16 KiB.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::call;
use crate::helpers::{Store, error_body, json_of, spawn_app};

both_stores!(
    a_cart_holds_at_most_a_hundred_lines,
    customer_attributes_hold_at_most_16_kib,
);

async fn a_cart_holds_at_most_a_hundred_lines(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let variants: Vec<Value> = (0..101)
        .map(|i| {
            json!({"sku": format!("BULK-{i:03}"), "name": format!("Size {i}"),
                        "options": {"size": i.to_string()}, "price": 100, "inventory_count": 10})
        })
        .collect();
    let created = json_of(
        app.post(
            "/api/v1/products",
            &json!({"name": "Bulk", "status": "active", "currency": "USD", "variants": variants}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    let ids: Vec<String> = created["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids.len(), 101);
    let guest = "sess-bulk-buyer";
    let add = |variant: &str| {
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": variant, "quantity": 1})),
            Some(guest),
            None,
        )
    };
    let mut cart = Value::Null;
    for id in &ids[..100] {
        cart = json_of(add(id).await, 201).await;
    }
    assert_eq!(cart["items"].as_array().map(Vec::len), Some(100));
    let cart_id = cart["id"].as_str().expect("cart id").to_owned();
    let refused = error_body(add(&ids[100]).await, 422, "validation_error").await;
    assert_eq!(refused["details"]["fields"][0]["field"], "items");
    // The same through the cart's own route.
    let by_id = call(
        &app,
        Method::POST,
        &format!("/api/v1/carts/{cart_id}/items"),
        Some(json!({"variant_id": ids[100], "quantity": 1})),
        Some(guest),
        None,
    )
    .await;
    error_body(by_id, 422, "validation_error").await;
    // More of a line already held is fine.
    let more = json_of(add(&ids[0]).await, 201).await;
    assert_eq!(more["items"].as_array().map(Vec::len), Some(100));
    assert_eq!(more["items"][0]["quantity"], 2);
    let now = json_of(
        call(&app, Method::GET, "/api/v1/cart", None, Some(guest), None).await,
        200,
    )
    .await;
    assert_eq!(
        now["items"].as_array().map(Vec::len),
        Some(100),
        "nothing added"
    );
}

async fn customer_attributes_hold_at_most_16_kib(store: Store) {
    let app = spawn_app(store).await;
    let me = app.customer("attributes@example.com").await;
    let path = format!("/api/v1/customers/{}", me.user_id);
    let big = json!({"attributes": {"notes": "x".repeat(16 * 1024)}});
    let refused = error_body(
        app.send(Method::PATCH, &path, &big, Some(&me.access)).await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(refused["details"]["fields"][0]["field"], "attributes");
    let admin = app.admin().await.access;
    error_body(
        app.post(
            "/api/v1/customers",
            &json!({"email": "big@example.com", "attributes": {"notes": "y".repeat(17_000)}}),
            Some(&admin),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    let fine = json!({"attributes": {"skin_type": "dry"}});
    let ok = json_of(
        app.send(Method::PATCH, &path, &fine, Some(&me.access))
            .await,
        200,
    )
    .await;
    assert_eq!(ok["attributes"]["skin_type"], "dry");
}
