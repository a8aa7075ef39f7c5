//! Provider webhooks (spec §12): verified over the raw body before anything is parsed, then
//! applied once. Every verified event is answered `{"received": true}`, also for types Merx
//! ignores and for repeats (a non-2xx makes providers retry for days).

use actix_web::{HttpRequest, HttpResponse, post, web};
use merx_payments::PaymentMethod;
use serde::Serialize;
use utoipa::ToSchema;

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
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let event = state
        .checkout
        .receive_webhook(PaymentMethod::TossPayments, "", &body)
        .await?;
    tracing::info!(event = %event.id, kind = %event.kind, "toss notice applied");
    Ok(HttpResponse::Ok().json(ReceivedBody { received: true }))
}

/// A WooCommerce webhook: `X-WC-Webhook-Signature` is the base64 HMAC-SHA256 of the raw body
/// with `WOOCOMMERCE_WEBHOOK_SECRET`. The unsigned `webhook_id=N` ping a new webhook sends
/// answers 200 and changes nothing. A `product.updated` of a linked product whose variants'
/// stock differs sets ours (reason `woocommerce_sync`), once per delivery body.
#[utoipa::path(post, path = "/api/v1/webhooks/woocommerce", tag = "woocommerce",
    request_body(content = Object, description = "The resource as WooCommerce's GET answers it, or the form-encoded ping"),
    params(("X-WC-Webhook-Signature" = Option<String>, Header), ("X-WC-Webhook-Topic" = Option<String>, Header)),
    responses((status = 200, body = ReceivedBody),
              (status = 400, description = "webhook_verification_failed (bad or missing signature; nothing changed)", body = ErrorBody),
              (status = 422, description = "woocommerce_unavailable (WooCommerce is not configured)", body = ErrorBody),
              (status = 502, description = "woocommerce_sync_failed (WooCommerce could not be read back: it may deliver again)", body = ErrorBody)))]
#[post("/webhooks/woocommerce")]
pub async fn woocommerce(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    use merx_sync::{WebhookError, WebhookReceipt, WebhookRejection};

    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let receipt = state
        .sync
        .receive_webhook(
            header("X-WC-Webhook-Signature"),
            header("X-WC-Webhook-Topic"),
            &body,
        )
        .await
        .map_err(|e| match e {
            WebhookError::Rejected(WebhookRejection::BadSignature) => ApiError::new(
                actix_web::http::StatusCode::BAD_REQUEST,
                "webhook_verification_failed",
                "the WooCommerce webhook signature does not match its body",
            ),
            WebhookError::Rejected(WebhookRejection::Malformed(m)) => ApiError::new(
                actix_web::http::StatusCode::BAD_REQUEST,
                "bad_request",
                format!("a signed body that is not the resource its topic names: {m}"),
            ),
            WebhookError::Sync(e) => e.into(),
        })?;
    if let WebhookReceipt::ProductUpdated { remote_id, changed } = receipt {
        tracing::info!(
            woocommerce_product = remote_id,
            changed,
            "woocommerce product.updated applied"
        );
    }
    Ok(HttpResponse::Ok().json(ReceivedBody { received: true }))
}
