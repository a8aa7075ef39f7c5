//! Provider webhooks (spec §12): verified over the raw body before anything is parsed, then
//! applied once. Every verified event is answered `{"received": true}`, also for types Merx
//! ignores and for repeats (a non-2xx makes providers retry for days).

use actix_web::{HttpRequest, HttpResponse, post, web};
use merx_payments::PaymentMethod;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::cache::ResponseCache;
use crate::http::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedBody {
    pub received: bool,
}

/// A Stripe event, signed with `Stripe-Signature` (v1 HMAC-SHA256 over `t.raw_body`, 300 s
/// tolerance, any of several `v1` values while a secret is rolled).
#[utoipa::path(post, path = "/api/v1/webhooks/stripe", tag = "payments",
    request_body(content = Object, description = "A Stripe event, as Stripe sent it"),
    params(("Stripe-Signature" = String, Header)),
    responses((status = 200, body = ReceivedBody),
              (status = 400, description = "webhook_verification_failed (bad, missing or stale signature; nothing changed)", body = ErrorBody),
              (status = 422, description = "payment_method_unavailable (Stripe is not configured)", body = ErrorBody),
              (status = 503, description = "service_unavailable (the event was not recorded: Stripe retries it)", body = ErrorBody)))]
#[post("/webhooks/stripe")]
pub async fn stripe(
    state: web::Data<AppState>,
    cache: web::Data<ResponseCache>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let signature = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let event = state
        .checkout
        .receive_webhook(PaymentMethod::Stripe, signature, &body)
        .await?;
    tracing::info!(event = %event.id, kind = %event.kind, "stripe event applied");
    // An event may have moved stock (an order placed, a session expired).
    cache.clear();
    Ok(HttpResponse::Ok().json(ReceivedBody { received: true }))
}

/// A TossPayments notice. Toss signs no payment webhook, so the body is only a hint: the
/// payment is read back from Toss (`GET /v1/payments/{paymentKey}`) and Merx acts on what Toss
/// says, once. A `DEPOSIT_CALLBACK` counts only when its `secret` is the payment's.
#[utoipa::path(post, path = "/api/v1/webhooks/tosspayments", tag = "payments",
    request_body(content = Object, description = "A Toss webhook (PAYMENT_STATUS_CHANGED or DEPOSIT_CALLBACK)"),
    responses((status = 200, body = ReceivedBody),
              (status = 400, description = "webhook_verification_failed (not a Toss notice, or a deposit secret that is not the payment's)", body = ErrorBody),
              (status = 422, description = "payment_method_unavailable (TossPayments is not configured)", body = ErrorBody),
              (status = 502, description = "payment_provider_error (Toss could not be asked: it retries the notice)", body = ErrorBody)))]
#[post("/webhooks/tosspayments")]
pub async fn tosspayments(
    state: web::Data<AppState>,
    cache: web::Data<ResponseCache>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let event = state
        .checkout
        .receive_webhook(PaymentMethod::TossPayments, "", &body)
        .await?;
    tracing::info!(event = %event.id, kind = %event.kind, "toss notice applied");
    cache.clear();
    Ok(HttpResponse::Ok().json(ReceivedBody { received: true }))
}
