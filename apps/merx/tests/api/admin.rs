use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::{ADMIN_EMAIL, Store, error_body, spawn_app};

both_stores!(
    admin_routes_are_403_for_customers_and_401_for_strangers,
    the_configured_admin_exists_at_start,
    an_api_key_acts_as_admin_until_revoked,
    customers_see_their_own_profile_and_admins_see_all,
    customers_can_keep_free_form_attributes,
    text_with_nul_characters_is_a_422_not_a_500,
);

async fn admin_routes_are_403_for_customers_and_401_for_strangers(store: Store) {
    let app = spawn_app(store).await;
    let customer = app.customer("plain@example.com").await;
    error_body(
        app.get("/api/v1/admin/api-keys", Some(&customer.access))
            .await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        app.get("/api/v1/admin/api-keys", None).await,
        401,
        "authentication_required",
    )
    .await;
    let create = app
        .post(
            "/api/v1/admin/api-keys",
            &json!({"name": "x"}),
            Some(&customer.access),
        )
        .await;
    error_body(create, 403, "forbidden").await;
}

async fn the_configured_admin_exists_at_start(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let me: Value = app
        .get("/api/v1/auth/me", Some(&admin.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");
    assert_eq!(me["is_admin"], true);
    assert_eq!(
        app.get("/api/v1/admin/api-keys", Some(&admin.access))
            .await
            .status(),
        200
    );
}

async fn an_api_key_acts_as_admin_until_revoked(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let res = app
        .post(
            "/api/v1/admin/api-keys",
            &json!({"name": "warehouse sync"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("json");
    let key = created["key"].as_str().expect("key shown once").to_owned();
    assert!(key.starts_with("mrx_"));
    assert!(key.starts_with(created["prefix"].as_str().expect("prefix")));

    let with_key =
        |method: Method, path: &str| app.request(method, path).header("X-Api-Key", key.clone());
    let listed = with_key(Method::GET, "/api/v1/admin/api-keys")
        .send()
        .await
        .expect("sent");
    assert_eq!(listed.status(), 200);
    let keys: Value = listed.json().await.expect("json");
    assert_eq!(keys["total"], 1);
    assert_eq!(keys["items"][0]["name"], "warehouse sync");
    assert!(
        keys["items"][0].get("key").is_none(),
        "the secret is never listed"
    );

    let bad = app
        .request(Method::GET, "/api/v1/admin/api-keys")
        .header("X-Api-Key", "mrx_wrong")
        .send()
        .await
        .expect("sent");
    error_body(bad, 401, "authentication_required").await;

    let id = created["id"].as_str().expect("id");
    let revoked = app
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/api-keys/{id}"),
            &json!({}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(revoked.status(), 204);
    let after = with_key(Method::GET, "/api/v1/admin/api-keys")
        .send()
        .await
        .expect("sent");
    error_body(after, 401, "authentication_required").await;
    let twice = app
        .send(
            Method::DELETE,
            &format!("/api/v1/admin/api-keys/{id}"),
            &json!({}),
            Some(&admin.access),
        )
        .await;
    error_body(twice, 404, "not_found").await;
}

async fn customers_see_their_own_profile_and_admins_see_all(store: Store) {
    let app = spawn_app(store).await;
    let ana = app.customer("ana@example.com").await;
    let bo = app.customer("bo@example.com").await;
    let admin = app.admin().await;
    let path = format!("/api/v1/customers/{}", ana.user_id);
    let own: Value = app
        .get(&path, Some(&ana.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(own["email"], "ana@example.com");
    error_body(app.get(&path, Some(&bo.access)).await, 404, "not_found").await;
    assert_eq!(app.get(&path, Some(&admin.access)).await.status(), 200);
    let missing = format!("/api/v1/customers/{}", uuid::Uuid::new_v4());
    error_body(
        app.get(&missing, Some(&admin.access)).await,
        404,
        "not_found",
    )
    .await;
    let body = error_body(
        app.get("/api/v1/customers/not-a-uuid", Some(&admin.access))
            .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "id");
}

async fn customers_can_keep_free_form_attributes(store: Store) {
    let app = spawn_app(store).await;
    let ana = app.customer("skin@example.com").await;
    let path = format!("/api/v1/customers/{}", ana.user_id);
    let patch =
        json!({"full_name": "Ana", "attributes": {"skin_type": "dry", "concerns": ["acne"]}});
    let res = app
        .send(Method::PATCH, &path, &patch, Some(&ana.access))
        .await;
    assert_eq!(res.status(), 200);
    let read: Value = app
        .get(&path, Some(&ana.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(read["attributes"]["skin_type"], "dry");
    assert_eq!(read["attributes"]["concerns"][0], "acne");
    assert_eq!(read["full_name"], "Ana");
    let cleared: Value = app
        .send(
            Method::PATCH,
            &path,
            &json!({"full_name": null}),
            Some(&ana.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(cleared["full_name"], Value::Null);
    assert_eq!(
        cleared["attributes"]["skin_type"], "dry",
        "absent fields are kept"
    );
}

async fn text_with_nul_characters_is_a_422_not_a_500(store: Store) {
    let app = spawn_app(store).await;
    let res = app.post("/api/v1/auth/register", &json!({"email": "nul@example.com", "password": "password-123", "full_name": "A\u{0}B"}), None).await;
    let body = error_body(res, 422, "validation_error").await;
    assert_eq!(body["details"]["fields"][0]["field"], "full_name");
    let ana = app.customer("nul2@example.com").await;
    let path = format!("/api/v1/customers/{}", ana.user_id);
    let patch = json!({"attributes": {"note": "bad\u{0}value"}});
    let body = error_body(
        app.send(Method::PATCH, &path, &patch, Some(&ana.access))
            .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "attributes");
    let admin = app.admin().await;
    let key = app
        .post(
            "/api/v1/admin/api-keys",
            &json!({"name": "x\u{0}y"}),
            Some(&admin.access),
        )
        .await;
    error_body(key, 422, "validation_error").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_registered_with_the_admin_email_is_taken_back_at_start() {
    let before = crate::helpers::spawn_app_with(Store::Postgres, |c| {
        c.admin_email = None;
        c.admin_password = None;
    })
    .await;
    let squatter = before.customer("boss@example.com").await;
    let mut config = before.config.clone();
    config.admin_email = Some("boss@example.com".into());
    config.admin_password = Some("operator-password".into());
    let after = crate::helpers::start(config, before.db.clone()).await;

    error_body(
        after.login("boss@example.com", "password-123").await,
        401,
        "authentication_required",
    )
    .await;
    let refresh = after
        .post(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": squatter.refresh}),
            None,
        )
        .await;
    error_body(refresh, 401, "authentication_required").await;
    let admin =
        crate::helpers::Tokens::from(after.login("boss@example.com", "operator-password").await)
            .await;
    let me: Value = after
        .get("/api/v1/auth/me", Some(&admin.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["role"], "admin");
}
