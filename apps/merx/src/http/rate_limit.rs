//! Rate limits at the door (spec §9, §14): which category a route is, whose budgets a
//! request spends (the domain's `RateLimits::keys`), and the answer: `X-RateLimit-*` headers on
//! every limited answer, 429 `rate_limit_exceeded` with `retry_after` and `Retry-After` past
//! the limit. Runs before any handler, so the login category is checked before any password
//! is hashed.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use merx_identity::Principal;
use merx_kernel::{RateCategory, RateDecision};

use crate::http::error::ApiError;
use crate::http::extract::{Authenticated, Credentials};
use crate::state::AppState;
use crate::trusted_proxies::client_ip;

/// The category of a route (spec §14, §17), by the route actix matches (its pattern, or the
/// decoded path when none matches), under `/api/v1`; `None` for the probes and documents
/// operators and load balancers poll (`/health`, `/ready`, `/metrics`, the API docs), which a
/// limit would turn into false alarms.
#[must_use]
pub fn category_of(method: &Method, path: &str) -> Option<RateCategory> {
    let p = path.strip_prefix("/api/v1").unwrap_or(path);
    if matches!(p, "/health" | "/ready" | "/metrics")
        || path.starts_with("/api/docs")
        || path.starts_with("/api/redoc")
        || path == "/api/openapi.json"
    {
        return None;
    }
    Some(category_in(method, p))
}

fn category_in(method: &Method, p: &str) -> RateCategory {
    let login = matches!(p, "/auth/login" | "/auth/register" | "/auth/refresh")
        || p.starts_with("/auth/password-reset/");
    if login && method == Method::POST {
        RateCategory::Login
    } else if p.starts_with("/webhooks/") {
        RateCategory::Webhooks
    } else if p.starts_with("/woocommerce/") {
        RateCategory::Sync
    } else if p.starts_with("/cart") {
        RateCategory::Cart
    } else if p.starts_with("/checkout/")
        || p.starts_with("/payments/")
        || (p == "/inventory/reserve" && method == Method::POST)
        || (p == "/orders" && method == Method::POST)
        || (p.starts_with("/orders/") && p.ends_with("/payment"))
    {
        RateCategory::Checkout
    } else {
        RateCategory::Default
    }
}

/// The path actix routes on: percent-decoded (`/auth/%6Cogin` is `/auth/login`), and the
/// pattern of the route it matches when there is one (`/api/v1/orders/{id}/payment`), so no
/// spelling of a path reaches a handler under another category.
fn routed_path(req: &ServiceRequest) -> String {
    let decoded = req.match_info().as_str().to_owned();
    req.request()
        .resource_map()
        .match_pattern(&decoded)
        .unwrap_or(decoded)
}

/// 429 `rate_limit_exceeded` for `category`.
fn refusal(
    req: ServiceRequest,
    category: RateCategory,
    decision: &RateDecision,
) -> ServiceResponse<BoxBody> {
    let error = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limit_exceeded",
        format!(
            "too many {} requests; try again in {} s",
            category.as_str(),
            decision.reset_secs
        ),
    )
    .with_details(serde_json::json!({
        "category": category.as_str(),
        "retry_after": decision.reset_secs,
    }));
    let mut body = serde_json::to_value(error.body()).unwrap_or_default();
    body["retry_after"] = decision.reset_secs.into();
    let mut res = HttpResponse::TooManyRequests().json(body);
    set_headers(res.headers_mut(), decision);
    if let Ok(v) = HeaderValue::from_str(&decision.reset_secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    req.into_response(res).map_into_boxed_body()
}

fn set_headers(headers: &mut actix_web::http::header::HeaderMap, d: &RateDecision) {
    for (name, value) in [
        ("x-ratelimit-limit", d.limit),
        ("x-ratelimit-remaining", d.remaining),
        ("x-ratelimit-reset", d.reset_secs),
    ] {
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
}

/// # Errors
/// Only actix's own failures, passed through.
pub async fn limit_rate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let gate = &state.rate_limits;
    if !gate.limits.is_enabled() || req.method() == Method::OPTIONS {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(category) = category_of(req.method(), &routed_path(&req)) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let ip = client_ip(
        req.peer_addr().map(|a| a.ip()),
        forwarded.as_deref(),
        &gate.trusted_proxies,
    )
    .map_or_else(|| "unknown".to_owned(), merx_kernel::client_of);
    let limit = gate.limits.limit(category);
    let now = state.clock.now();
    let credentials = Credentials::of(req.request());
    if matches!(credentials, Credentials::ApiKey(_)) {
        // A made-up key must not cost a lookup once its address has spent its budget.
        let ip_key = gate.limits.keys(category, None, false, &ip);
        for key in ip_key {
            if let Ok(d) = gate.limiter.peek(&key, limit, now).await
                && !d.allowed
            {
                return Ok(refusal(req, category, &d));
            }
        }
    }
    // Bad credentials count as a guest here; the handler refuses them.
    let caller = credentials.authenticate(&state).await.ok().flatten();
    let user = caller
        .as_ref()
        .and_then(Principal::user_id)
        .map(|u| *u.as_uuid());
    let unlimited = caller.as_ref().is_some_and(Principal::is_admin);
    if let Some(principal) = caller {
        // The handler's extractors reuse it: an API key is looked up once per request.
        req.extensions_mut().insert(Authenticated(principal));
    }
    let mut decisions = Vec::new();
    for key in gate.limits.keys(category, user, unlimited, &ip) {
        match gate.limiter.hit(&key, limit, now).await {
            Ok(d) => decisions.push(d),
            // Counting failed even in process: serve rather than refuse.
            Err(e) => tracing::warn!(error = %e, "rate limit not counted"),
        }
    }
    let Some(decision) = RateDecision::strictest(&decisions) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if !decision.allowed {
        return Ok(refusal(req, category, &decision));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    set_headers(res.headers_mut(), &decision);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fall_into_the_categories_of_spec_14() {
        let post = Method::POST;
        let get = Method::GET;
        assert_eq!(
            category_of(&post, "/api/v1/auth/login"),
            Some(RateCategory::Login)
        );
        assert_eq!(
            category_of(&post, "/api/v1/auth/password-reset/request"),
            Some(RateCategory::Login)
        );
        assert_eq!(
            category_of(&get, "/api/v1/auth/me"),
            Some(RateCategory::Default)
        );
        assert_eq!(
            category_of(&post, "/api/v1/cart/items"),
            Some(RateCategory::Cart)
        );
        assert_eq!(
            category_of(&get, "/api/v1/carts/x"),
            Some(RateCategory::Cart)
        );
        assert_eq!(
            category_of(&post, "/api/v1/checkout/sessions"),
            Some(RateCategory::Checkout)
        );
        assert_eq!(
            category_of(&post, "/api/v1/orders"),
            Some(RateCategory::Checkout)
        );
        assert_eq!(
            category_of(&get, "/api/v1/orders"),
            Some(RateCategory::Default)
        );
        assert_eq!(
            category_of(&post, "/api/v1/orders/1/payment"),
            Some(RateCategory::Checkout)
        );
        assert_eq!(
            category_of(&post, "/api/v1/payments/tosspayments/confirm"),
            Some(RateCategory::Checkout)
        );
        assert_eq!(
            category_of(&post, "/api/v1/webhooks/stripe"),
            Some(RateCategory::Webhooks)
        );
        assert_eq!(
            category_of(&post, "/api/v1/woocommerce/sync"),
            Some(RateCategory::Sync)
        );
        assert_eq!(
            category_of(&get, "/api/v1/products"),
            Some(RateCategory::Default)
        );
        assert_eq!(
            category_of(&post, "/api/v1/inventory/reserve"),
            Some(RateCategory::Checkout)
        );
        assert_eq!(
            category_of(&post, "/api/v1/orders/{id}/payment"),
            Some(RateCategory::Checkout),
            "a matched pattern"
        );
        for probe in [
            "/health",
            "/ready",
            "/metrics",
            "/api/v1/health",
            "/api/openapi.json",
            "/api/docs/",
        ] {
            assert_eq!(category_of(&get, probe), None, "{probe}");
        }
    }
}
