use serde_json::Value;

use crate::helpers::{Store, json_of, spawn_app, spawn_app_with};

fn redis_url() -> String {
    std::env::var("MERX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

#[tokio::test(flavor = "multi_thread")]
async fn health_answers_at_the_root_and_under_the_api() {
    let app = spawn_app(Store::Memory).await;
    for path in ["/health", "/api/v1/health"] {
        let res = app.get(path, None).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ready_without_backing_services_reports_them_not_configured() {
    let app = spawn_app(Store::Memory).await;
    let body: Value = app.get("/ready", None).await.json().await.expect("json");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["database"], "not_configured");
    assert_eq!(body["checks"]["redis"], "not_configured");
}

#[tokio::test(flavor = "multi_thread")]
async fn ready_checks_postgres_and_redis_for_real() {
    let app = spawn_app_with(Store::Postgres, |c| c.redis_url = Some(redis_url())).await;
    let res = app.get("/ready", None).await;
    assert_eq!(
        res.status(),
        200,
        "PostgreSQL and Redis must both be running on their default local ports"
    );
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["checks"]["database"], "ok");
    assert_eq!(body["checks"]["redis"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn ready_reports_redis_degraded_when_it_is_unreachable() {
    // Nothing listens on port 1. Redis holds only what may be lost (spec §14): the instance
    // still serves, with rate limits counted in process.
    let app = spawn_app_with(Store::Memory, |c| {
        c.redis_url = Some("redis://127.0.0.1:1/0".into())
    })
    .await;
    let body = json_of(app.get("/ready", None).await, 200).await;
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["checks"]["redis"], "degraded");
    assert_eq!(body["checks"]["database"], "not_configured");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_by_route_pattern() {
    let app = spawn_app(Store::Memory).await;
    app.get("/health", None).await;
    app.get(&format!("/api/v1/customers/{}", uuid::Uuid::new_v4()), None)
        .await;
    let res = app.get("/metrics", None).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/plain")
    );
    let text = res.text().await.expect("text");
    assert!(
        text.contains(r#"merx_http_requests_total{method="GET",route="/health",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/customers/{id}",status="401""#),
        "raw ids never become labels: {text}"
    );
    assert!(text.contains("merx_http_request_duration_seconds_bucket"));
}

/// In memory without a configured admin, a demo admin is made (and printed once) so the admin
/// routes can be tried at once.
#[tokio::test(flavor = "multi_thread")]
async fn the_in_memory_demo_has_an_admin_to_try_the_admin_routes_with() {
    let mut config = crate::helpers::test_config();
    config.admin_email = None;
    config.admin_password = None;
    let app = merx::Application::build(config).await.expect("builds");
    let demo = app.demo_admin.clone().expect("a demo admin");
    assert_eq!(demo.email, "admin@merx.local");
    assert!(demo.password.len() >= 20, "random");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": demo.email, "password": demo.password}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    let token = login["access_token"].as_str().expect("signed in");
    let keys = client
        .get(format!("{address}/api/v1/admin/api-keys"))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    assert_eq!(keys.status(), 200, "an admin");
}
