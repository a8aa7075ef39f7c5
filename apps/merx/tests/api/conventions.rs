//! Spec §1 and §9 conventions that hold for every route.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::{Store, error_body, spawn_app, spawn_app_with};

both_stores!(malformed_json_is_a_400_with_the_error_body);

async fn malformed_json_is_a_400_with_the_error_body(store: Store) {
    let app = spawn_app(store).await;
    let res = app
        .request(Method::POST, "/api/v1/auth/register")
        .header("content-type", "application/json")
        .body("{\"email\": \"a@b.co\", ")
        .send()
        .await
        .expect("sent");
    error_body(res, 400, "bad_request").await;
    let junk = app
        .request(Method::POST, "/api/v1/auth/register")
        .header("content-type", "application/json")
        .body(r#"{"email": "a@b.co", "password": "password-123"} trailing"#)
        .send()
        .await
        .expect("sent");
    error_body(junk, 400, "bad_request").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sane_request_id_is_echoed_and_others_are_replaced() {
    let app = spawn_app(Store::Memory).await;
    let kept = app
        .request(Method::GET, "/health")
        .header("X-Request-ID", "abc-123.def")
        .send()
        .await
        .expect("sent");
    assert_eq!(kept.headers()["x-request-id"], "abc-123.def");
    let replaced = app
        .request(Method::GET, "/health")
        .header("X-Request-ID", "bad id with spaces")
        .send()
        .await
        .expect("sent");
    let id = replaced.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(id.starts_with("req_"), "{id}");
    let fresh = app.get("/health", None).await;
    assert!(
        fresh.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .starts_with("req_")
    );
    // The id in an error body is the one in the header, including a client's own.
    let res = app
        .request(Method::GET, "/api/v1/auth/me")
        .header("X-Request-ID", "trace-42")
        .send()
        .await
        .expect("sent");
    let body = error_body(res, 401, "authentication_required").await;
    assert_eq!(body["request_id"], "trace-42");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_routes_and_methods_get_a_json_404() {
    let app = spawn_app(Store::Memory).await;
    error_body(
        app.get("/api/v1/does-not-exist", None).await,
        404,
        "not_found",
    )
    .await;
    error_body(app.get("/nowhere", None).await, 404, "not_found").await;
    let res = app
        .send(Method::PUT, "/api/v1/auth/login", &json!({}), None)
        .await;
    assert!(res.status().is_client_error());
    assert_eq!(res.headers()["content-type"], "application/json");
}

#[tokio::test(flavor = "multi_thread")]
async fn responses_carry_security_headers() {
    let app = spawn_app(Store::Memory).await;
    let res = app.get("/api/v1/auth/me", None).await;
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(
        h["strict-transport-security"]
            .to_str()
            .expect("ascii")
            .contains("max-age=")
    );
    assert!(
        h["content-security-policy"]
            .to_str()
            .expect("ascii")
            .contains("default-src 'none'")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_preflight_is_answered_for_configured_origins_only() {
    let app = spawn_app_with(Store::Memory, |c| {
        c.cors_origins = vec!["https://shop.example".into()]
    })
    .await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/v1/auth/login")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "content-type, authorization",
            )
            .send()
    };
    let ok = preflight("https://shop.example").await.expect("sent");
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    assert!(
        ok.headers()["access-control-allow-methods"]
            .to_str()
            .expect("ascii")
            .contains("POST")
    );

    let denied = preflight("https://evil.example").await.expect("sent");
    assert!(
        denied
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert!(denied.status().is_client_error());

    let simple = app
        .request(Method::GET, "/health")
        .header("Origin", "https://shop.example")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        simple.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    assert!(
        simple.headers()["access-control-expose-headers"]
            .to_str()
            .expect("ascii")
            .contains("x-request-id")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_and_non_json_bodies_are_refused_with_the_error_body() {
    let app = spawn_app_with(Store::Memory, |c| c.body_limit_bytes = 1024).await;
    let big = json!({"email": "a@b.co", "password": "x".repeat(4096)});
    error_body(
        app.post("/api/v1/auth/register", &big, None).await,
        413,
        "payload_too_large",
    )
    .await;
    let text = app
        .request(Method::POST, "/api/v1/auth/register")
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("sent");
    error_body(text, 415, "unsupported_media_type").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_lists_every_route_and_the_docs_pages_load() {
    let app = spawn_app(Store::Memory).await;
    let doc: Value = app
        .get("/api/openapi.json", None)
        .await
        .json()
        .await
        .expect("json");
    let expected = [
        ("/health", "get"),
        ("/ready", "get"),
        ("/metrics", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/me", "get"),
        ("/api/v1/auth/password-reset/request", "post"),
        ("/api/v1/auth/password-reset/confirm", "post"),
        ("/api/v1/auth/verify-email/request", "post"),
        ("/api/v1/auth/verify-email/confirm", "post"),
        ("/api/v1/me/addresses", "get"),
        ("/api/v1/me/addresses", "post"),
        ("/api/v1/me/addresses/{id}", "patch"),
        ("/api/v1/me/addresses/{id}", "delete"),
        ("/api/v1/customers/{id}", "get"),
        ("/api/v1/customers/{id}", "patch"),
        ("/api/v1/admin/api-keys", "get"),
        ("/api/v1/admin/api-keys", "post"),
        ("/api/v1/admin/api-keys/{id}", "delete"),
        ("/api/v1/admin/audit-log", "get"),
        ("/api/v1/products", "get"),
        ("/api/v1/products", "post"),
        ("/api/v1/products/search", "get"),
        ("/api/v1/products/{id}", "get"),
        ("/api/v1/products/{id}", "patch"),
        ("/api/v1/products/{id}", "delete"),
        ("/api/v1/products/slug/{slug}", "get"),
        ("/api/v1/products/{id}/variants", "post"),
        ("/api/v1/products/{id}/variants/{variant_id}", "patch"),
        ("/api/v1/products/{id}/variants/{variant_id}", "delete"),
        (
            "/api/v1/inventory/{product_id}/variants/{variant_id}",
            "get",
        ),
        (
            "/api/v1/inventory/{product_id}/variants/{variant_id}",
            "patch",
        ),
        ("/api/v1/carts", "post"),
        ("/api/v1/carts/{id}", "get"),
        ("/api/v1/carts/{id}", "delete"),
        ("/api/v1/carts/{id}/items", "post"),
        ("/api/v1/carts/{id}/items/{item_id}", "patch"),
        ("/api/v1/carts/{id}/items/{item_id}", "delete"),
        ("/api/v1/carts/{id}/discount", "delete"),
        ("/api/v1/cart", "get"),
        ("/api/v1/cart", "delete"),
        ("/api/v1/cart/items", "post"),
        ("/api/v1/cart/items/{item_id}", "patch"),
        ("/api/v1/cart/items/{item_id}", "delete"),
        ("/api/v1/checkout/shipping-methods", "post"),
        ("/api/v1/checkout/shipping-cost", "post"),
        ("/api/v1/checkout/tax", "post"),
        ("/api/v1/checkout/discount", "post"),
        ("/api/v1/checkout/sessions", "post"),
        ("/api/v1/checkout/sessions/{id}", "get"),
        ("/api/v1/checkout/sessions/{id}/release", "post"),
        ("/api/v1/checkout/sessions/{id}/confirm", "post"),
        ("/api/v1/orders", "post"),
        ("/api/v1/orders", "get"),
        ("/api/v1/orders/{id}", "get"),
        ("/api/v1/orders/{id}", "patch"),
        ("/api/v1/orders/{id}", "delete"),
        ("/api/v1/orders/{id}/payment", "post"),
        ("/api/v1/orders/{id}/refunds", "post"),
        ("/api/v1/orders/{id}/refunds", "get"),
        ("/api/v1/checkout/payment-intent", "post"),
        ("/api/v1/webhooks/stripe", "post"),
        ("/api/v1/customers", "post"),
        ("/api/v1/inventory/reserve", "post"),
        ("/api/v1/inventory/reservations/{id}", "delete"),
        ("/api/v1/customers", "get"),
        ("/api/v1/webhooks/tosspayments", "post"),
        ("/api/v1/payments/tosspayments/confirm", "post"),
        ("/api/v1/webhooks/woocommerce", "post"),
        ("/api/v1/woocommerce/products/sync", "post"),
        ("/api/v1/woocommerce/inventory/sync", "post"),
        ("/api/v1/woocommerce/orders", "post"),
        ("/api/v1/admin/outbox", "get"),
        ("/api/v1/admin/outbox/{id}/retry", "post"),
        ("/api/v1/admin/discounts", "get"),
        ("/api/v1/admin/discounts", "post"),
        ("/api/v1/admin/discounts/{id}", "get"),
        ("/api/v1/admin/discounts/{id}", "patch"),
        ("/api/v1/admin/discounts/{id}", "delete"),
        ("/api/v1/admin/tax-rates", "get"),
        ("/api/v1/admin/tax-rates", "post"),
        ("/api/v1/admin/tax-rates/{id}", "get"),
        ("/api/v1/admin/tax-rates/{id}", "patch"),
        ("/api/v1/admin/tax-rates/{id}", "delete"),
        ("/api/v1/admin/shipping-zones", "get"),
        ("/api/v1/admin/shipping-zones", "post"),
        ("/api/v1/admin/shipping-zones/{id}", "get"),
        ("/api/v1/admin/shipping-zones/{id}", "patch"),
        ("/api/v1/admin/shipping-zones/{id}", "delete"),
        ("/api/v1/products/{id}/reviews", "post"),
        ("/api/v1/products/{id}/reviews", "get"),
        ("/api/v1/reviews/{id}", "patch"),
        ("/api/v1/reviews/{id}", "delete"),
        ("/api/v1/admin/reviews", "get"),
        ("/api/v1/admin/reports/sales", "get"),
        ("/api/v1/admin/reports/funnel", "get"),
        ("/api/v1/admin/reports/top-products", "get"),
        ("/api/v1/admin/reports/low-stock", "get"),
        ("/api/v1/me/export", "get"),
        ("/api/v1/customers/{id}/export", "get"),
    ];
    for (path, method) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|p| p.as_object().map_or(0, |m| m.len()))
        .sum();
    assert_eq!(
        documented,
        expected.len(),
        "the document lists exactly the routes the app serves"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    for page in ["/api/docs/", "/api/redoc"] {
        let res = app.get(page, None).await;
        assert_eq!(res.status(), 200, "{page}");
        assert!(
            res.text().await.expect("html").contains("<html"),
            "{page} is a page"
        );
    }
    assert_eq!(app.get("/api/docs", None).await.status(), 308);
}
