//! TossPayments' success redirect (spec §12): `POST /payments/tosspayments/confirm`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use merx_payments::PaymentMethod;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::bodies::order::{OrderBody, order_body};
use crate::http::cache::ResponseCache;
use crate::http::cart_caller::CartActor;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::parse_json;
use crate::http::idempotency::{Answer, once};
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
/// (or the order is paid), once; a repeat answers the same order.
#[utoipa::path(post, path = "/api/v1/payments/tosspayments/confirm", tag = "payments",
    request_body = TossConfirmRequest, params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = TossConfirmBody),
              (status = 402, description = "payment_failed (details.provider_code is Toss's code; the stock stays held for another try)", body = ErrorBody),
              (status = 404, description = "checkout_not_found, order_not_found", body = ErrorBody),
              (status = 409, description = "payment_required (Toss has not captured it)", body = ErrorBody),
              (status = 422, description = "validation_error, amount_mismatch, payment_method_unavailable", body = ErrorBody),
              (status = 502, description = "payment_provider_error", body = ErrorBody)))]
#[post("/payments/tosspayments/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    cache: web::Data<ResponseCache>,
    req: HttpRequest,
    actor: CartActor,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    once(&state, &req, &body, &actor.0, None, || async {
        let r: TossConfirmRequest = parse_json(&body)?;
        let order = state
            .checkout
            .confirm_authorized(
                PaymentMethod::TossPayments,
                &r.payment_key,
                &r.order_id,
                r.amount,
            )
            .await?;
        cache.clear();
        Answer::new(
            StatusCode::OK,
            &TossConfirmBody {
                order: order_body(&order, actor.0.is_admin),
            },
        )
    })
    .await
}
