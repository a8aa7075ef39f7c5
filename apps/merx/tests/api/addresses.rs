use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::{Store, TestApp, error_body, spawn_app};

both_stores!(
    the_first_address_of_a_type_becomes_its_default,
    a_new_default_replaces_the_old_one_of_its_type,
    addresses_can_be_edited_and_deleted,
    another_users_address_is_a_404,
    invalid_addresses_list_their_fields,
    moving_the_default_to_another_type_hands_its_old_type_to_an_heir,
    address_lists_are_paged,
);

fn seoul() -> Value {
    json!({"name": "Kim Minji", "line1": "1 Sejong-daero", "city": "Seoul", "postal_code": "04524", "country": "kr"})
}

async fn add(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.post("/api/v1/me/addresses", body, Some(token)).await;
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

async fn list(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.get("/api/v1/me/addresses", Some(token)).await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.expect("json");
    page["items"].as_array().expect("a page of items").clone()
}

async fn the_first_address_of_a_type_becomes_its_default(store: Store) {
    let app = spawn_app(store).await;
    let t = app.customer("addr1@example.com").await;
    let first = add(&app, &t.access, &seoul()).await;
    assert_eq!(first["type"], "shipping");
    assert_eq!(first["country"], "KR");
    assert_eq!(first["is_default"], true);
    let mut billing = seoul();
    billing["type"] = json!("billing");
    let billing = add(&app, &t.access, &billing).await;
    assert_eq!(billing["is_default"], true, "first of its own type");
    let second = add(&app, &t.access, &seoul()).await;
    assert_eq!(second["is_default"], false);
}

async fn a_new_default_replaces_the_old_one_of_its_type(store: Store) {
    let app = spawn_app(store).await;
    let t = app.customer("addr2@example.com").await;
    let home = add(&app, &t.access, &seoul()).await;
    let mut busan = seoul();
    busan["city"] = json!("Busan");
    busan["is_default"] = json!(true);
    let office = add(&app, &t.access, &busan).await;
    let all = list(&app, &t.access).await;
    let defaults: Vec<_> = all
        .iter()
        .filter(|a| a["is_default"] == true)
        .map(|a| a["id"].clone())
        .collect();
    assert_eq!(defaults, [office["id"].clone()]);
    // Making the old one default again moves the flag back.
    let path = format!("/api/v1/me/addresses/{}", home["id"].as_str().expect("id"));
    let res = app
        .send(
            Method::PATCH,
            &path,
            &json!({"is_default": true}),
            Some(&t.access),
        )
        .await;
    assert_eq!(res.status(), 200);
    let all = list(&app, &t.access).await;
    let defaults: Vec<_> = all
        .iter()
        .filter(|a| a["is_default"] == true)
        .map(|a| a["id"].clone())
        .collect();
    assert_eq!(defaults, [home["id"].clone()]);
}

async fn addresses_can_be_edited_and_deleted(store: Store) {
    let app = spawn_app(store).await;
    let t = app.customer("addr3@example.com").await;
    let home = add(&app, &t.access, &seoul()).await;
    let spare = add(&app, &t.access, &seoul()).await;
    let path = format!("/api/v1/me/addresses/{}", home["id"].as_str().expect("id"));
    let patch = json!({"line2": "Apt 301", "phone": "+82 10 0000 0000"});
    let edited: Value = app
        .send(Method::PATCH, &path, &patch, Some(&t.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(edited["line2"], "Apt 301");
    assert_eq!(edited["city"], "Seoul");
    let cleared: Value = app
        .send(
            Method::PATCH,
            &path,
            &json!({"line2": null}),
            Some(&t.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(cleared["line2"], Value::Null);
    assert_eq!(cleared["phone"], "+82 10 0000 0000");

    assert_eq!(
        app.send(Method::DELETE, &path, &json!({}), Some(&t.access))
            .await
            .status(),
        204
    );
    let all = list(&app, &t.access).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["id"], spare["id"]);
    assert_eq!(
        all[0]["is_default"], true,
        "the remaining address inherits the default"
    );
    error_body(
        app.send(Method::DELETE, &path, &json!({}), Some(&t.access))
            .await,
        404,
        "not_found",
    )
    .await;
}

async fn another_users_address_is_a_404(store: Store) {
    let app = spawn_app(store).await;
    let owner = app.customer("owner@example.com").await;
    let other = app.customer("other@example.com").await;
    let a = add(&app, &owner.access, &seoul()).await;
    let path = format!("/api/v1/me/addresses/{}", a["id"].as_str().expect("id"));
    error_body(
        app.send(
            Method::PATCH,
            &path,
            &json!({"city": "X"}),
            Some(&other.access),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    error_body(
        app.send(Method::DELETE, &path, &json!({}), Some(&other.access))
            .await,
        404,
        "not_found",
    )
    .await;
    assert!(list(&app, &other.access).await.is_empty());
    assert_eq!(list(&app, &owner.access).await.len(), 1);
}

async fn invalid_addresses_list_their_fields(store: Store) {
    let app = spawn_app(store).await;
    let t = app.customer("addr4@example.com").await;
    let bad = json!({"name": " ", "line1": "1 Main St", "city": "Amman", "postal_code": "11118", "country": "Jordan"});
    let body = error_body(
        app.post("/api/v1/me/addresses", &bad, Some(&t.access))
            .await,
        422,
        "validation_error",
    )
    .await;
    let fields: Vec<&str> = body["details"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["name", "country"]);
    let wrong_type = json!({"type": "pickup", "name": "A", "line1": "B", "city": "C", "postal_code": "1", "country": "US"});
    let body = error_body(
        app.post("/api/v1/me/addresses", &wrong_type, Some(&t.access))
            .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "type");
    let nul = json!({"name": "A", "line1": "1 Main\u{0}St", "city": "C", "postal_code": "1", "country": "US"});
    let body = error_body(
        app.post("/api/v1/me/addresses", &nul, Some(&t.access))
            .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "line1");
    error_body(
        app.get("/api/v1/me/addresses", None).await,
        401,
        "authentication_required",
    )
    .await;
}

async fn moving_the_default_to_another_type_hands_its_old_type_to_an_heir(store: Store) {
    let app = spawn_app(store).await;
    let t = app.customer("addr5@example.com").await;
    let home = add(&app, &t.access, &seoul()).await;
    let spare = add(&app, &t.access, &seoul()).await;
    let mut billing = seoul();
    billing["type"] = json!("billing");
    let bill = add(&app, &t.access, &billing).await;
    let path = format!("/api/v1/me/addresses/{}", home["id"].as_str().expect("id"));
    let moved: Value = app
        .send(
            Method::PATCH,
            &path,
            &json!({"type": "billing"}),
            Some(&t.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(moved["type"], "billing");
    assert_eq!(moved["is_default"], false, "billing already has a default");
    let all = list(&app, &t.access).await;
    let default_of = |kind: &str| -> Vec<Value> {
        all.iter()
            .filter(|a| a["type"] == kind && a["is_default"] == true)
            .map(|a| a["id"].clone())
            .collect()
    };
    assert_eq!(default_of("billing"), [bill["id"].clone()]);
    assert_eq!(
        default_of("shipping"),
        [spare["id"].clone()],
        "shipping keeps a default"
    );
}

async fn address_lists_are_paged(store: Store) {
    let app = spawn_app(store).await;
    let t = app.customer("addr6@example.com").await;
    for _ in 0..3 {
        add(&app, &t.access, &seoul()).await;
    }
    let page: Value = app
        .get("/api/v1/me/addresses?page=2&page_size=2", Some(&t.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["items"].as_array().expect("items").len(), 1);
    assert_eq!(
        (page["total"].as_u64(), page["total_pages"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        (page["has_next"].as_bool(), page["has_prev"].as_bool()),
        (Some(false), Some(true))
    );
    let limited: Value = app
        .get("/api/v1/me/addresses?limit=1", Some(&t.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(limited["page_size"], 1);
    assert_eq!(limited["has_next"], true);
    let body = error_body(
        app.get("/api/v1/me/addresses?page_size=1000", Some(&t.access))
            .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "page_size");
    error_body(
        app.get("/api/v1/me/addresses?page=abc", Some(&t.access))
            .await,
        422,
        "validation_error",
    )
    .await;
}
