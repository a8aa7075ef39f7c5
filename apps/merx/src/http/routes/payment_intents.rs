//! The custom payment flow (spec §12 `POST /checkout/payment-intent`): a PaymentIntent for an
//! open checkout session or an order awaiting payment, always for Merx's own amount.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use merx_checkout::{CheckoutId, ClientAmount, IntentFor};
use merx_kernel::{Currency, ValidationErrors};
use merx_orders::OrderId;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::http::cart_caller::CartActor;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{MaybeCaller, parse_json};
use crate::http::idempotency::{Answer, once};
use crate::http::order_viewer::{token_of, viewer};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct PaymentIntentRequest {
    /// One of `checkout_id` and `order_id`.
    pub checkout_id: Option<uuid::Uuid>,
    pub order_id: Option<uuid::Uuid>,
    /// Accepted for Stripe.js compatibility; the provider offers the methods it has on.
    pub payment_method_types: Option<Vec<String>>,
    /// Minor units; when given it must be ours (else 422 `amount_mismatch`).
    pub amount: Option<i64>,
    #[schema(value_type = Option<String>, example = "USD")]
    pub currency: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentIntentBody {
    pub payment_intent_id: String,
    pub client_secret: String,
    /// Minor units of `currency`: always Merx's amount.
    pub amount: i64,
    #[schema(value_type = String, example = "USD")]
    pub currency: Currency,
    /// Stripe's status (`requires_payment_method`, …).
    pub status: String,
    pub publishable_key: Option<String>,
}

/// Starts a PaymentIntent; `payment_intent.succeeded` then confirms the order (or completes
/// the session) once.
#[utoipa::path(post, path = "/api/v1/checkout/payment-intent", tag = "checkout",
    request_body = PaymentIntentRequest, params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = PaymentIntentBody),
              (status = 404, description = "checkout_not_found, order_not_found", body = ErrorBody),
              (status = 409, description = "invalid_transition (not open, or not awaiting payment)", body = ErrorBody),
              (status = 410, description = "checkout_expired", body = ErrorBody),
              (status = 422, description = "validation_error, amount_mismatch, payment_method_unavailable", body = ErrorBody),
              (status = 502, description = "payment_provider_error", body = ErrorBody)))]
#[post("/checkout/payment-intent")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: CartActor,
    caller: MaybeCaller,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer(&caller, token_of(&req)?.as_deref());
    once(
        &state,
        &req,
        &body,
        &actor.0,
        viewer.token_hash.as_deref(),
        || async {
            let r: PaymentIntentRequest = parse_json(&body)?;
            let target = match (r.checkout_id, r.order_id) {
                (Some(id), None) => IntentFor::Checkout(CheckoutId::from_uuid(id)),
                (None, Some(id)) => IntentFor::Order(OrderId::from_uuid(id)),
                _ => {
                    return Err(ApiError::validation(&ValidationErrors::single(
                        "checkout_id",
                        "give exactly one of checkout_id and order_id",
                    )));
                }
            };
            let client_amount = client_amount(r.amount, r.currency.as_deref())?;
            let (start, amount) = state
                .checkout
                .start_intent(target, &actor.0, &viewer, client_amount)
                .await?;
            let intent = start.intent().ok_or_else(|| {
                ApiError::from(merx_payments::PaymentError::Provider(
                    "the provider started no PaymentIntent".into(),
                ))
            })?;
            Answer::new(
                StatusCode::CREATED,
                &PaymentIntentBody {
                    payment_intent_id: intent.id,
                    client_secret: intent.client_secret,
                    amount: amount.amount(),
                    currency: amount.currency(),
                    status: intent.status,
                    publishable_key: intent.publishable_key,
                },
            )
        },
    )
    .await
}

/// What the client says it will pay; either part may be absent.
fn client_amount(amount: Option<i64>, currency: Option<&str>) -> Result<ClientAmount, ApiError> {
    let currency = currency
        .map(|c| {
            c.parse::<Currency>().map_err(|_| {
                ApiError::validation(&ValidationErrors::single(
                    "currency",
                    "must be an ISO 4217 code Merx sells in",
                ))
            })
        })
        .transpose()?;
    Ok(ClientAmount { amount, currency })
}
