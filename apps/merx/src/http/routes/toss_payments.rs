//! TossPayments' success redirect (spec §12): `POST /payments/tosspayments/confirm`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use merx_checkout::Confirmer;
use merx_identity::hash_secret;
use merx_payments::PaymentMethod;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::bodies::order::{OrderBody, order_body};
use crate::http::cart_caller::CartActor;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::parse_json;
use crate::http::idempotency::{Answer, once};
use crate::http::order_viewer::token_of;
use crate::state::AppState;

/// The three query parameters of Toss's success redirect, as Toss names them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TossConfirmRequest {
    pub payment_key: String,
    /// The `order_id` of the session's or order's `payment` object.
    pub order_id: String,
    /// Whole won; must be ours (else 422 `amount_mismatch`, and Toss is not called).
    pub amount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TossConfirmBody {
    pub order: OrderBody,
}

/// Confirms a payment the buyer authorised in Toss's widget: the session becomes its order
/// (or the order is paid), once; a repeat answers the same order. Only the session's or
/// order's owner (the same user or `X-Session-ID`, or a guest order's `?token=`), an admin or
/// an API key: anyone else gets 404. A payment Toss reports for another order, or of other
/// money, is 409 `payment_mismatch` and changes nothing.
#[utoipa::path(post, path = "/api/v1/payments/tosspayments/confirm", tag = "payments",
    request_body = TossConfirmRequest, params(("Idempotency-Key" = Option<String>, Header),
        ("token" = Option<String>, Query, description = "a guest order's order_token (orders placed first)")),
    responses((status = 200, body = TossConfirmBody),
              (status = 402, description = "payment_failed (details.provider_code is Toss's code; the stock stays held for another try)", body = ErrorBody),
              (status = 404, description = "checkout_not_found, order_not_found", body = ErrorBody),
              (status = 409, description = "payment_required (Toss has not captured it), payment_mismatch (Toss's payment is for another order or other money)", body = ErrorBody),
              (status = 422, description = "validation_error, amount_mismatch, payment_method_unavailable", body = ErrorBody),
              (status = 502, description = "payment_provider_error", body = ErrorBody)))]
#[post("/payments/tosspayments/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: CartActor,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let token_hash = token_of(&req)?.map(|t| hash_secret(&t).as_str().to_owned());
    once(
        &state,
        &req,
        &body,
        &actor.0,
        token_hash.as_deref(),
        || async {
            let r: TossConfirmRequest = parse_json(&body)?;
            let confirmer = Confirmer {
                caller: actor.0.clone(),
                order_token_hash: token_hash.clone(),
            };
            let order = state
                .checkout
                .confirm_authorized(
                    PaymentMethod::TossPayments,
                    &r.payment_key,
                    &r.order_id,
                    r.amount,
                    &confirmer,
                )
                .await?;
            Answer::new(
                StatusCode::OK,
                &TossConfirmBody {
                    order: order_body(&order, actor.0.is_admin),
                },
            )
        },
    )
    .await
}
