//! Spec §17 on both stores: an `Idempotency-Key` belongs to its caller (the user, the API key,
//! or the guest's `X-Session-ID`): two callers sending the same key never see each other's
//! answer.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app};

both_stores!(api_keys_never_replay_each_others_answers);

async fn api_key(app: &TestApp, admin: &str, name: &str) -> String {
    let created = json_of(
        app.post(
            "/api/v1/admin/api-keys",
            &json!({"name": name}),
            Some(admin),
        )
        .await,
        201,
    )
    .await;
    created["key"].as_str().expect("key").to_owned()
}

async fn create_customer(app: &TestApp, key: &str, body: &Value) -> Response {
    app.request(Method::POST, "/api/v1/customers")
        .header("X-Api-Key", key)
        .header("Idempotency-Key", "crm-import-0001")
        .json(body)
        .send()
        .await
        .expect("sent")
}

fn replayed(res: &Response) -> bool {
    res.headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

async fn api_keys_never_replay_each_others_answers(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let crm = api_key(&app, &admin, "crm").await;
    let erp = api_key(&app, &admin, "erp").await;
    let body = json!({"email": "walk.in@example.com", "full_name": "Walk In"});
    let first = create_customer(&app, &crm, &body).await;
    assert!(!replayed(&first));
    let created = json_of(first, 201).await;
    // The same key from the same caller: the first answer again.
    let again = create_customer(&app, &crm, &body).await;
    assert!(replayed(&again));
    assert_eq!(json_of(again, 201).await["id"], created["id"]);
    // The same key from another API key runs as its own request: no answer of crm's.
    let other = create_customer(&app, &erp, &body).await;
    assert!(!replayed(&other), "another caller's answer was replayed");
    error_body(other, 409, "email_taken").await;
}
