//! Spec §17 on both stores: an admin's powers are read from the account at every request, not
//! from the token, so a demoted or deactivated admin loses them at once. Only admins change
//! roles and active flags, and never their own.

use reqwest::Method;
use serde_json::json;

use crate::both_stores;
use crate::helpers::{Store, Tokens, error_body, json_of, spawn_app};

both_stores!(
    a_demoted_admin_loses_admin_routes_at_once,
    a_deactivated_admin_is_signed_out_at_once,
    roles_are_changed_by_other_admins_only,
);

async fn a_demoted_admin_loses_admin_routes_at_once(store: Store) {
    let app = spawn_app(store).await;
    let root = app.admin().await.access;
    let deputy = app.customer("deputy@example.com").await;
    let path = format!("/api/v1/customers/{}", deputy.user_id);
    let promoted = json_of(
        app.send(Method::PATCH, &path, &json!({"role": "admin"}), Some(&root))
            .await,
        200,
    )
    .await;
    assert_eq!(promoted["role"], "admin");
    // A token that says admin, issued after the promotion.
    let token = Tokens::from(app.login("deputy@example.com", "password-123").await)
        .await
        .access;
    let keys = "/api/v1/admin/api-keys";
    assert_eq!(app.get(keys, Some(&token)).await.status(), 200);
    assert_eq!(app.get("/api/v1/orders", Some(&root)).await.status(), 200);
    json_of(
        app.send(
            Method::PATCH,
            &path,
            &json!({"role": "customer"}),
            Some(&root),
        )
        .await,
        200,
    )
    .await;
    // The same token, still within its hour: a customer's now.
    error_body(app.get(keys, Some(&token)).await, 403, "forbidden").await;
    error_body(
        app.get(
            &format!("/api/v1/customers/{}", root_id(&app, &root).await),
            Some(&token),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

async fn a_deactivated_admin_is_signed_out_at_once(store: Store) {
    let app = spawn_app(store).await;
    let root = app.admin().await.access;
    let deputy = app.customer("gone@example.com").await;
    let path = format!("/api/v1/customers/{}", deputy.user_id);
    json_of(
        app.send(Method::PATCH, &path, &json!({"role": "admin"}), Some(&root))
            .await,
        200,
    )
    .await;
    let token = Tokens::from(app.login("gone@example.com", "password-123").await)
        .await
        .access;
    assert_eq!(
        app.get("/api/v1/admin/api-keys", Some(&token))
            .await
            .status(),
        200
    );
    let off = json_of(
        app.send(
            Method::PATCH,
            &path,
            &json!({"is_active": false}),
            Some(&root),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(off["is_active"], false);
    error_body(
        app.get("/api/v1/admin/api-keys", Some(&token)).await,
        401,
        "authentication_required",
    )
    .await;
}

async fn roles_are_changed_by_other_admins_only(store: Store) {
    let app = spawn_app(store).await;
    let root = app.admin().await;
    let me = app.customer("climber@example.com").await;
    let mine = format!("/api/v1/customers/{}", me.user_id);
    error_body(
        app.send(
            Method::PATCH,
            &mine,
            &json!({"role": "admin"}),
            Some(&me.access),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        app.send(
            Method::PATCH,
            &mine,
            &json!({"is_active": false}),
            Some(&me.access),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let own = format!("/api/v1/customers/{}", root.user_id);
    let refused = error_body(
        app.send(
            Method::PATCH,
            &own,
            &json!({"role": "customer"}),
            Some(&root.access),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(refused["details"]["fields"][0]["field"], "role");
    error_body(
        app.send(
            Method::PATCH,
            &mine,
            &json!({"role": "root"}),
            Some(&root.access),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    // A change of role is in the audit log.
    let audit = || async {
        json_of(
            app.get(
                &format!("/api/v1/admin/audit-log?target_id={}", me.user_id),
                Some(&root.access),
            )
            .await,
            200,
        )
        .await
    };
    assert_eq!(audit().await["total"], 0, "nothing changed yet");
    json_of(
        app.send(
            Method::PATCH,
            &mine,
            &json!({"role": "admin"}),
            Some(&root.access),
        )
        .await,
        200,
    )
    .await;
    let log = audit().await;
    assert_eq!(log["items"][0]["action"], "user.update");
    assert_eq!(
        log["items"][0]["changes"]["role"],
        json!(["customer", "admin"])
    );
}

async fn root_id(app: &crate::helpers::TestApp, root: &str) -> String {
    let me = json_of(app.get("/api/v1/auth/me", Some(root)).await, 200).await;
    me["id"].as_str().expect("id").to_owned()
}
