//! Rate limits (spec §9, §14) through HTTP: the login category per IP before any hashing,
//! guests per IP, users per user and per IP, admins and API keys unlimited, one budget across
//! instances through Redis, and the in-process fallback when Redis is down.

use merx_kernel::{Limit, RateCategory, RateLimits};
use reqwest::{Method, Response};
use serde_json::json;

use crate::helpers::{Store, TestApp, error_body, spawn_app_with, start};

fn redis_url() -> String {
    std::env::var("MERX_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// The default limits with `category` at `requests` a minute.
pub fn limits(category: RateCategory, requests: u32) -> RateLimits {
    RateLimits::default()
        .with(
            category,
            Limit {
                requests,
                window_secs: 60,
            },
        )
        .expect("limit")
}

async fn get_from(app: &TestApp, path: &str, ip: &str, token: Option<&str>) -> Response {
    let mut req = app.request(Method::GET, path).header("X-Forwarded-For", ip);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("sent")
}

fn header(res: &Response, name: &str) -> Option<i64> {
    res.headers().get(name)?.to_str().ok()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_is_limited_per_ip_and_the_answer_says_when_to_retry() {
    let app = spawn_app_with(Store::Memory, |c| {
        c.rate_limits = limits(RateCategory::Login, 3)
    })
    .await;
    for remaining in [2, 1, 0] {
        let res = app.login("nobody@example.com", "wrong-password").await;
        assert_eq!(res.status(), 401);
        assert_eq!(header(&res, "x-ratelimit-limit"), Some(3));
        assert_eq!(header(&res, "x-ratelimit-remaining"), Some(remaining));
        assert!(header(&res, "x-ratelimit-reset").is_some_and(|r| (1..=60).contains(&r)));
    }
    let res = app.login("nobody@example.com", "wrong-password").await;
    let retry = header(&res, "retry-after").expect("Retry-After");
    assert!((1..=60).contains(&retry));
    let body = error_body(res, 429, "rate_limit_exceeded").await;
    assert_eq!(body["retry_after"], retry);
    assert_eq!(body["details"]["retry_after"], retry);
    assert!(body["request_id"].is_string());
    // Other categories keep their own budget.
    assert_eq!(app.get("/api/v1/products", None).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn guests_count_per_ip_users_per_user_and_admins_are_not_limited() {
    let app = spawn_app_with(Store::Memory, |c| {
        c.rate_limits = limits(RateCategory::Default, 2);
        // The test client is the proxy: its X-Forwarded-For names the client.
        c.trusted_proxies = vec![merx::trusted_proxies::Cidr::parse("127.0.0.1").expect("cidr")];
    })
    .await;
    let admin = app.admin().await.access;
    let user = app.customer("limited@example.com").await.access;
    for _ in 0..2 {
        assert_eq!(
            get_from(&app, "/api/v1/products", "203.0.113.1", None)
                .await
                .status(),
            200
        );
    }
    error_body(
        get_from(&app, "/api/v1/products", "203.0.113.1", None).await,
        429,
        "rate_limit_exceeded",
    )
    .await;
    // Another address has its own budget; an untrusted header would not have helped.
    assert_eq!(
        get_from(&app, "/api/v1/products", "203.0.113.2", None)
            .await
            .status(),
        200
    );
    // A user's budget follows them across addresses.
    assert_eq!(
        get_from(&app, "/api/v1/products", "198.51.100.1", Some(&user))
            .await
            .status(),
        200
    );
    assert_eq!(
        get_from(&app, "/api/v1/products", "198.51.100.2", Some(&user))
            .await
            .status(),
        200
    );
    error_body(
        get_from(&app, "/api/v1/products", "198.51.100.3", Some(&user)).await,
        429,
        "rate_limit_exceeded",
    )
    .await;
    // Admins are not limited and get no rate headers.
    for _ in 0..5 {
        let res = get_from(&app, "/api/v1/products", "203.0.113.1", Some(&admin)).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("x-ratelimit-limit").is_none());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_share_one_budget_through_redis() {
    let namespace = format!("merx-test-{}", uuid::Uuid::new_v4().simple());
    let first = spawn_app_with(Store::Memory, |c| {
        c.redis_url = Some(redis_url());
        c.rate_limit_namespace.clone_from(&namespace);
        c.rate_limits = limits(RateCategory::Cart, 4);
    })
    .await;
    let second = start(first.config.clone(), None).await;
    let body = json!({"currency": "USD"});
    let mut statuses = Vec::new();
    for i in 0..6 {
        let app = if i % 2 == 0 { &first } else { &second };
        let res = app
            .request(Method::POST, "/api/v1/carts")
            .header("X-Session-ID", format!("sess-shared-{i}"))
            .json(&body)
            .send()
            .await
            .expect("sent");
        statuses.push(res.status().as_u16());
    }
    assert_eq!(&statuses[..4], &[201, 201, 201, 201], "{statuses:?}");
    assert_eq!(&statuses[4..], &[429, 429], "one budget for both instances");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_redis_limits_fall_back_to_the_instance_and_requests_are_served() {
    let app = spawn_app_with(Store::Memory, |c| {
        // Nothing listens on port 1.
        c.redis_url = Some("redis://127.0.0.1:1/0".into());
        c.rate_limits = limits(RateCategory::Default, 3);
    })
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/products", None).await.status(), 200);
    }
    error_body(
        app.get("/api/v1/products", None).await,
        429,
        "rate_limit_exceeded",
    )
    .await;
}

/// Review writes are in the `default` category and spend the writer's own budget (spec §18),
/// whatever address they come from; another customer keeps theirs.
#[tokio::test(flavor = "multi_thread")]
async fn review_writes_spend_the_writers_default_budget() {
    let app = spawn_app_with(Store::Memory, |c| {
        c.rate_limits = limits(RateCategory::Default, 3);
        c.trusted_proxies = vec![merx::trusted_proxies::Cidr::parse("127.0.0.1").expect("cidr")];
    })
    .await;
    let admin = app.admin().await.access;
    let (pid, _) = crate::carts::product(&app, &admin, "RL-REVIEW", "USD", 1_000, 5).await;
    let writer = app.customer("writer@example.com").await.access;
    let other = app.customer("other@example.com").await.access;
    let send = |method: Method, path: String, ip: &'static str, token: String| {
        let app = &app;
        async move {
            app.request(method, &path)
                .header("X-Forwarded-For", ip)
                .bearer_auth(token)
                .json(&json!({"rating": 4, "body": "Good"}))
                .send()
                .await
                .expect("sent")
        }
    };
    let created = send(
        Method::POST,
        format!("/api/v1/products/{pid}/reviews"),
        "198.51.100.10",
        writer.clone(),
    )
    .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<serde_json::Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for ip in ["198.51.100.11", "198.51.100.12"] {
        let res = send(
            Method::PATCH,
            format!("/api/v1/reviews/{id}"),
            ip,
            writer.clone(),
        )
        .await;
        assert_eq!(res.status(), 200);
    }
    error_body(
        send(
            Method::PATCH,
            format!("/api/v1/reviews/{id}"),
            "198.51.100.13",
            writer,
        )
        .await,
        429,
        "rate_limit_exceeded",
    )
    .await;
    let theirs = send(
        Method::POST,
        format!("/api/v1/products/{pid}/reviews"),
        "198.51.100.13",
        other,
    )
    .await;
    assert_eq!(
        theirs.status(),
        201,
        "another customer's budget is their own"
    );
}
