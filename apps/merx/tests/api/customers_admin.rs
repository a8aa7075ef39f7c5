//! Customers created by admins and integrators (spec §16): no password until a reset, the same
//! validation and `email_taken` as registration, and an admin list with search.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app};

both_stores!(
    an_integrator_creates_a_customer_who_signs_in_after_a_reset,
    admins_list_customers_with_a_search,
);

/// An API key made by the admin: (key, its request builder).
async fn api_key(app: &TestApp) -> String {
    let admin = app.admin().await.access;
    let created = json_of(
        app.post(
            "/api/v1/admin/api-keys",
            &json!({"name": "phone orders"}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    created["key"].as_str().expect("key").to_owned()
}

async fn create_with_key(app: &TestApp, key: &str, body: &Value) -> reqwest::Response {
    app.request(Method::POST, "/api/v1/customers")
        .header("X-Api-Key", key)
        .json(body)
        .send()
        .await
        .expect("sent")
}

async fn an_integrator_creates_a_customer_who_signs_in_after_a_reset(store: Store) {
    let app = spawn_app(store).await;
    let key = api_key(&app).await;
    let body = json!({"email": "Phone.Order@Example.com", "full_name": "Ada Phone",
                      "phone": "+1 555 0100", "attributes": {"skin_type": "dry"}});
    let created = json_of(create_with_key(&app, &key, &body).await, 201).await;
    assert_eq!(created["email"], "phone.order@example.com");
    assert_eq!(created["role"], "customer");
    assert_eq!(created["attributes"]["skin_type"], "dry");
    assert!(created.get("password_hash").is_none());
    error_body(create_with_key(&app, &key, &body).await, 409, "email_taken").await;
    let bad = json!({"email": "not-an-email", "full_name": "x".repeat(500)});
    let invalid = error_body(
        create_with_key(&app, &key, &bad).await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(
        invalid["details"]["fields"].as_array().map(Vec::len),
        Some(2)
    );
    // Customers cannot create customers.
    let customer = app.customer("someone@example.com").await.access;
    error_body(
        app.post(
            "/api/v1/customers",
            &json!({"email": "x@example.com"}),
            Some(&customer),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // No password yet: nothing signs in, until the reset.
    let login = app
        .login("phone.order@example.com", "anything-at-all")
        .await;
    error_body(login, 401, "authentication_required").await;
    let asked = app
        .post(
            "/api/v1/auth/password-reset/request",
            &json!({"email": "phone.order@example.com"}),
            None,
        )
        .await;
    assert_eq!(asked.status(), 202);
    let token = app.emailed_token("phone.order@example.com").await;
    let reset = json!({"token": token, "new_password": "chosen-by-ada-1"});
    let done = app
        .post("/api/v1/auth/password-reset/confirm", &reset, None)
        .await;
    assert_eq!(done.status(), 204);
    let tokens = json_of(
        app.login("phone.order@example.com", "chosen-by-ada-1")
            .await,
        200,
    )
    .await;
    let me = json_of(
        app.get("/api/v1/auth/me", tokens["access_token"].as_str())
            .await,
        200,
    )
    .await;
    assert_eq!(me["id"], created["id"]);
}

async fn admins_list_customers_with_a_search(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    for (email, name) in [
        ("lee@example.kr", "Lee Minji"),
        ("kim@example.kr", "Kim Seoyeon"),
        ("percent%@example.com", "Literal Percent"),
    ] {
        json_of(
            app.post(
                "/api/v1/customers",
                &json!({"email": email, "full_name": name}),
                Some(&admin),
            )
            .await,
            201,
        )
        .await;
    }
    let all = json_of(app.get("/api/v1/customers", Some(&admin)).await, 200).await;
    assert_eq!(all["total"], 3, "admins are not customers: {all}");
    assert_eq!(
        all["items"][0]["email"], "percent%@example.com",
        "newest first"
    );
    let by_name = json_of(
        app.get("/api/v1/customers?search=MINJI", Some(&admin))
            .await,
        200,
    )
    .await;
    assert_eq!(by_name["total"], 1);
    assert_eq!(by_name["items"][0]["email"], "lee@example.kr");
    let by_email = json_of(
        app.get(
            "/api/v1/customers?search=example.kr&page_size=1",
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            by_email["total"].as_i64(),
            by_email["items"].as_array().map(Vec::len)
        ),
        (Some(2), Some(1))
    );
    assert_eq!(by_email["has_next"], true);
    // A wildcard is searched as itself.
    let literal = json_of(
        app.get("/api/v1/customers?search=%25", Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(literal["total"], 1);
    let customer = app.customer("curious@example.com").await.access;
    error_body(
        app.get("/api/v1/customers", Some(&customer)).await,
        403,
        "forbidden",
    )
    .await;
}
