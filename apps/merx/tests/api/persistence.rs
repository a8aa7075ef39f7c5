use std::sync::Arc;

use crate::helpers::{Store, error_body, spawn_app, start};

#[tokio::test(flavor = "multi_thread")]
async fn data_written_through_postgres_survives_a_restart_and_is_shared_by_instances() {
    let first = spawn_app(Store::Postgres).await;
    let tokens = first.customer("durable@example.com").await;
    let db = first.db.clone().expect("postgres");
    let config = first.config.clone();
    drop(first);

    // A new instance (a restart, or a second replica) on the same database.
    let second = start(config, Some(Arc::clone(&db))).await;
    assert_eq!(
        second
            .login("durable@example.com", "password-123")
            .await
            .status(),
        200
    );
    // Sessions live in the database too: the first instance's refresh token works here.
    let res = second
        .post(
            "/api/v1/auth/refresh",
            &serde_json::json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_in_memory_store_starts_empty_each_time() {
    let first = spawn_app(Store::Memory).await;
    first.customer("fleeting@example.com").await;
    let second = spawn_app(Store::Memory).await;
    error_body(
        second.login("fleeting@example.com", "password-123").await,
        401,
        "authentication_required",
    )
    .await;
}
