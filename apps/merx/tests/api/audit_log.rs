//! The audit log (spec §16): every admin and API-key write once, with the fields it changed
//! and its request id, in the write's own transaction; filters; nothing changes it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::product;
use crate::checkout::sf;
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app};

both_stores!(
    each_admin_write_is_logged_once_with_its_changes,
    order_edits_and_refunds_are_logged_with_before_and_after,
);

/// Sends a write with our own request id, so the entry can be matched to it.
async fn write(
    app: &TestApp,
    method: Method,
    path: &str,
    body: &Value,
    token: &str,
    request_id: &str,
) -> reqwest::Response {
    app.request(method, path)
        .bearer_auth(token)
        .header("X-Request-ID", request_id)
        .json(body)
        .send()
        .await
        .expect("sent")
}

async fn log(app: &TestApp, admin: &str, query: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/admin/audit-log{query}"), Some(admin))
            .await,
        200,
    )
    .await
}

/// The entries of `action` in a log page.
fn of_action<'a>(page: &'a Value, action: &str) -> Vec<&'a Value> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == action)
        .collect()
}

async fn each_admin_write_is_logged_once_with_its_changes(store: Store) {
    let app = spawn_app(store).await;
    let admin_tokens = app.admin().await;
    let admin = admin_tokens.access.clone();
    let me = json_of(app.get("/api/v1/auth/me", Some(&admin)).await, 200).await;
    let admin_id = me["id"].as_str().expect("admin id").to_owned();

    let created = json_of(
        write(
            &app,
            Method::POST,
            "/api/v1/products",
            &json!({"name": "Audit Mug", "status": "draft", "currency": "USD",
                    "variants": [{"sku": "AUDIT-1", "name": "Default", "price": 1_200,
                                  "inventory_count": 10}]}),
            &admin,
            "req-product-create",
        )
        .await,
        201,
    )
    .await;
    let pid = created["id"].as_str().expect("id").to_owned();
    let vid = created["variants"][0]["id"]
        .as_str()
        .expect("vid")
        .to_owned();
    json_of(
        write(
            &app,
            Method::PATCH,
            &format!("/api/v1/products/{pid}"),
            &json!({"name": "Audit Mug XL", "description": null, "status": "active"}),
            &admin,
            "req-product-update",
        )
        .await,
        200,
    )
    .await;
    json_of(
        write(
            &app,
            Method::PATCH,
            &format!("/api/v1/inventory/{pid}/variants/{vid}"),
            &json!({"delta": -3, "reason": "breakage"}),
            &admin,
            "req-stock",
        )
        .await,
        200,
    )
    .await;
    // A refused write leaves no entry.
    error_body(
        write(
            &app,
            Method::PATCH,
            &format!("/api/v1/inventory/{pid}/variants/{vid}"),
            &json!({"delta": -100, "reason": "too many"}),
            &admin,
            "req-refused",
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    let discount = json_of(
        write(
            &app,
            Method::POST,
            "/api/v1/admin/discounts",
            &json!({"code": "AUDIT10", "type": "percentage", "value": 10}),
            &admin,
            "req-discount",
        )
        .await,
        201,
    )
    .await;
    let key = json_of(
        write(
            &app,
            Method::POST,
            "/api/v1/admin/api-keys",
            &json!({"name": "integrator"}),
            &admin,
            "req-key",
        )
        .await,
        201,
    )
    .await;
    let key_id = key["id"].as_str().expect("key id").to_owned();
    let secret = key["key"].as_str().expect("secret").to_owned();
    let customer = json_of(
        app.request(Method::POST, "/api/v1/customers")
            .header("X-Api-Key", &secret)
            .header("X-Request-ID", "req-customer")
            .json(&json!({"email": "phone@example.com", "full_name": "Phone Order"}))
            .send()
            .await
            .expect("sent"),
        201,
    )
    .await;
    let customer_id = customer["id"].as_str().expect("customer id").to_owned();
    json_of(
        write(
            &app,
            Method::PATCH,
            &format!("/api/v1/customers/{customer_id}"),
            &json!({"full_name": "Phone Order Two"}),
            &admin,
            "req-profile",
        )
        .await,
        200,
    )
    .await;
    // A customer's own writes are not admin writes.
    let shopper = app.customer("shopper@example.com").await.access;
    let shopper_me = json_of(app.get("/api/v1/auth/me", Some(&shopper)).await, 200).await;
    json_of(
        app.send(
            Method::PATCH,
            &format!(
                "/api/v1/customers/{}",
                shopper_me["id"].as_str().expect("id")
            ),
            &json!({"full_name": "Shopper"}),
            Some(&shopper),
        )
        .await,
        200,
    )
    .await;
    json_of(
        app.post(
            "/api/v1/cart/items",
            &json!({"variant_id": vid, "quantity": 1}),
            Some(&shopper),
        )
        .await,
        201,
    )
    .await;

    let page = log(&app, &admin, "?page_size=100").await;
    let actions: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        [
            "user.update",
            "customer.create",
            "api_key.create",
            "discount.create",
            "stock.adjust",
            "product.update",
            "product.create",
        ],
        "newest first, one per write, nothing for refused or customers' writes"
    );
    assert_eq!(page["total"], 7);

    let create = of_action(&page, "product.create")[0];
    assert_eq!(create["actor"], json!({"kind": "user", "id": admin_id}));
    assert_eq!(create["target"], json!({"type": "product", "id": pid}));
    assert_eq!(create["request_id"], "req-product-create");
    assert_eq!(create["changes"]["name"], json!([null, "Audit Mug"]));
    assert_eq!(create["changes"]["variants"][1][0]["price"], 1_200);
    assert!(create["at"].is_string());

    let update = of_action(&page, "product.update")[0];
    assert_eq!(
        update["changes"],
        json!({"name": ["Audit Mug", "Audit Mug XL"], "status": ["draft", "active"]}),
        "only what changed (the description was already empty)"
    );
    assert_eq!(update["request_id"], "req-product-update");

    let stock = of_action(&page, "stock.adjust")[0];
    assert_eq!(stock["target"], json!({"type": "variant", "id": vid}));
    assert_eq!(
        stock["changes"],
        json!({"inventory_count": [10, 7], "reason": [null, "breakage"]})
    );

    let d = of_action(&page, "discount.create")[0];
    assert_eq!(d["target"]["id"], discount["id"]);
    assert_eq!(d["changes"]["code"], json!([null, "AUDIT10"]));

    let k = of_action(&page, "api_key.create")[0];
    assert_eq!(k["target"], json!({"type": "api_key", "id": key_id}));
    assert!(
        !k.to_string().contains(&secret),
        "the secret never reaches the log"
    );

    let c = of_action(&page, "customer.create")[0];
    assert_eq!(c["actor"], json!({"kind": "api_key", "id": key_id}));
    assert_eq!(c["target"], json!({"type": "user", "id": customer["id"]}));
    assert_eq!(c["request_id"], "req-customer");
    let profile = of_action(&page, "user.update")[0];
    assert_eq!(
        profile["changes"],
        json!({"full_name": ["Phone Order", "Phone Order Two"]})
    );

    // Filters, each and together.
    let by_target = log(
        &app,
        &admin,
        &format!("?target_type=product&target_id={pid}"),
    )
    .await;
    assert_eq!(by_target["total"], 2);
    let by_action = log(&app, &admin, "?action=stock.adjust").await;
    assert_eq!(by_action["total"], 1);
    let by_key = log(&app, &admin, &format!("?actor_id={key_id}")).await;
    assert_eq!(by_key["total"], 1);
    let later = log(&app, &admin, "?since=2999-01-01T00:00:00Z").await;
    assert_eq!(later["total"], 0);
    let earlier = log(&app, &admin, "?since=2000-01-01T00:00:00%2B09:00").await;
    assert_eq!(earlier["total"], 7);
    let paged = log(&app, &admin, "?page=2&page_size=4").await;
    assert_eq!(paged["items"].as_array().map(Vec::len), Some(3));
    error_body(
        app.get("/api/v1/admin/audit-log?since=yesterday", Some(&admin))
            .await,
        422,
        "validation_error",
    )
    .await;
    error_body(
        app.get("/api/v1/admin/audit-log", Some(&shopper)).await,
        403,
        "forbidden",
    )
    .await;

    // In Postgres, nothing changes or removes an entry, not even the database's owner.
    if let Some(db) = &app.db {
        for sql in [
            "UPDATE audit_log SET action = 'forged'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log CASCADE",
        ] {
            let refused = db.execute(sql).await.expect_err(sql);
            assert!(refused.contains("append-only"), "{sql}: {refused}");
        }
        assert_eq!(log(&app, &admin, "").await["total"], 7);
    }
}

async fn order_edits_and_refunds_are_logged_with_before_and_after(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, vid) = product(&app, &admin, "AUDIT-ORDER", "USD", 2_000, 5).await;
    let placed = json_of(
        app.post(
            "/api/v1/orders",
            &json!({"items": [{"variant_id": vid, "quantity": 1}], "email": "buyer@example.com",
                    "shipping_address": sf(), "shipping_method": "standard",
                    "payment_method": "cash_on_delivery"}),
            None,
        )
        .await,
        201,
    )
    .await;
    let id = placed["id"].as_str().expect("id").to_owned();
    json_of(
        write(
            &app,
            Method::PATCH,
            &format!("/api/v1/orders/{id}"),
            &json!({"status": "confirmed", "payment_status": "paid", "admin_note": "phoned"}),
            &admin,
            "req-edit",
        )
        .await,
        200,
    )
    .await;
    json_of(
        write(
            &app,
            Method::POST,
            &format!("/api/v1/orders/{id}/refunds"),
            &json!({"amount": 500, "reason": "dented"}),
            &admin,
            "req-refund",
        )
        .await,
        201,
    )
    .await;

    let page = log(&app, &admin, &format!("?target_type=order&target_id={id}")).await;
    let actions: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(actions, ["order.refund", "order.update", "order.confirm"]);
    let confirm = of_action(&page, "order.confirm")[0];
    assert_eq!(
        confirm["changes"]["status"],
        json!(["pending", "confirmed"])
    );
    assert_eq!(
        confirm["changes"]["payment_status"],
        json!(["pending", "paid"])
    );
    assert_eq!(confirm["request_id"], "req-edit");
    let update = of_action(&page, "order.update")[0];
    assert_eq!(update["changes"], json!({"admin_note": [null, "phoned"]}));
    let refund = of_action(&page, "order.refund")[0];
    assert_eq!(refund["changes"]["refunded"], json!([0, 500]));
    assert_eq!(refund["request_id"], "req-refund");
}
