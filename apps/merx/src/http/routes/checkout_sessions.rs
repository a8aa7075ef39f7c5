//! Checkout sessions (spec §6): open one for a cart (prices locked, stock held), read it,
//! release it, confirm it into an order.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use merx_cart::CartId;
use merx_checkout::{CheckoutId, CheckoutRequest, CheckoutSession};
use merx_kernel::{Currency, PostalAddress};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::http::bodies::address::{address, shipping_address};
use crate::http::bodies::order::{OrderBody, OrderItemBody, order_body};
use crate::http::cart_caller::CartActor;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{parse_json, path_id};
use crate::http::idempotency::{Answer, once};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSessionRequest {
    pub cart_id: uuid::Uuid,
    /// Required for guests.
    pub email: Option<String>,
    #[schema(value_type = Object)]
    pub shipping_address: Option<Value>,
    /// An address, or `"same"` (the default).
    #[schema(value_type = Object)]
    pub billing_address: Option<Value>,
    #[schema(example = "standard")]
    pub shipping_method: String,
    pub discount_code: Option<String>,
    #[schema(example = "cash_on_delivery")]
    pub payment_method: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    /// `redirect` (default) or `embedded`.
    pub mode: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
    pub tax_id: Option<String>,
}

/// The breakdown, in minor units of the session's currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakdownBody {
    pub subtotal: i64,
    pub discount_total: i64,
    /// Line taxes plus `shipping_tax`.
    pub tax_total: i64,
    pub shipping_tax: i64,
    pub shipping_total: i64,
    pub grand_total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShippingBody {
    pub method: String,
    pub amount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionPaymentBody {
    pub provider: String,
    /// Cash on delivery: the session can be confirmed without a captured payment.
    pub settles_on_delivery: bool,
    /// The money is in (a completed card session).
    pub captured: bool,
    pub provider_ref: Option<String>,
    /// What the client needs to pay, beside `provider`: Stripe `provider_session_id` with
    /// `url` (`mode: "redirect"`) or `client_secret` + `publishable_key` (`mode: "embedded"`);
    /// Toss `order_id`, `order_name`, `amount`, `client_key`; cash on delivery `instructions`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub client: Map<String, Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddressesBody {
    #[schema(value_type = Object)]
    pub shipping: PostalAddress,
    #[schema(value_type = Object)]
    pub billing: PostalAddress,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderHints {
    /// The payment methods this shop has configured.
    pub available_methods: Vec<String>,
}

/// A checkout session: locked prices and stock held until `expires_at`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionBody {
    pub checkout_id: uuid::Uuid,
    pub cart_id: uuid::Uuid,
    /// open, complete, expired or cancelled.
    pub status: String,
    #[schema(value_type = String, example = "USD")]
    pub currency: Currency,
    /// What will be charged: the grand total.
    pub amount: i64,
    pub breakdown: BreakdownBody,
    pub items: Vec<OrderItemBody>,
    pub shipping: ShippingBody,
    pub email: String,
    pub discount_code: Option<String>,
    #[schema(value_type = Object)]
    pub shipping_address: PostalAddress,
    #[schema(value_type = Object)]
    pub billing_address: PostalAddress,
    pub billing_same_as_shipping: bool,
    /// Both addresses again, as `{shipping, billing}`.
    pub addresses: AddressesBody,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// Seconds until `expires_at` (0 once closed).
    pub time_remaining: i64,
    pub payment: SessionPaymentBody,
    pub payment_provider_hints: ProviderHints,
    pub mode: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
    pub order_id: Option<uuid::Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn session_body(state: &AppState, s: CheckoutSession) -> SessionBody {
    let now = state.clock.now();
    let paid = s.is_paid();
    let remaining = s.seconds_left(now);
    SessionBody {
        checkout_id: *s.id.as_uuid(),
        cart_id: *s.cart_id.as_uuid(),
        status: s.status.as_str().to_owned(),
        currency: s.currency,
        amount: s.totals.total,
        breakdown: BreakdownBody {
            subtotal: s.totals.subtotal,
            discount_total: s.totals.discount_total,
            tax_total: s.totals.tax_total,
            shipping_tax: s.shipping_tax,
            shipping_total: s.totals.shipping_total,
            grand_total: s.totals.total,
        },
        items: s.items.iter().map(OrderItemBody::from).collect(),
        shipping: ShippingBody {
            method: s.shipping_method.clone(),
            amount: s.totals.shipping_total,
        },
        email: s.email,
        discount_code: s.discount_code,
        addresses: AddressesBody {
            shipping: s.shipping_address.clone(),
            billing: s.billing_address.clone(),
        },
        shipping_address: s.shipping_address,
        billing_address: s.billing_address,
        billing_same_as_shipping: s.billing_same,
        expires_at: s.expires_at,
        time_remaining: remaining,
        payment: SessionPaymentBody {
            provider: s.payment.method.as_str().to_owned(),
            settles_on_delivery: s.payment.settles_on_delivery,
            captured: paid,
            provider_ref: s.payment.provider_ref,
            client: s.payment.client,
        },
        payment_provider_hints: ProviderHints {
            available_methods: state
                .checkout
                .payment_methods()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        },
        mode: s.mode.as_str().to_owned(),
        success_url: s.success_url,
        cancel_url: s.cancel_url,
        metadata: s.metadata,
        order_id: s.order_id.map(|o| *o.as_uuid()),
        created_at: s.created_at,
        updated_at: s.updated_at,
    }
}

/// Opens a checkout session for a cart: prices locked and every line held for the
/// reservation time (15 minutes by default), all or nothing. A new session for the same cart
/// cancels the previous one.
#[utoipa::path(post, path = "/api/v1/checkout/sessions", tag = "checkout",
    request_body = CreateSessionRequest, params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = SessionBody),
              (status = 400, description = "empty_cart, invalid_product, discount_invalid", body = ErrorBody),
              (status = 404, description = "cart_not_found", body = ErrorBody),
              (status = 409, description = "insufficient_inventory (details.lines lists each short line), idempotency_conflict", body = ErrorBody),
              (status = 410, description = "discount_expired (past its end, or used up)", body = ErrorBody),
              (status = 422, description = "validation_error, invalid_postal_code, shipping_unavailable, payment_method_unavailable, idempotency_key_reused", body = ErrorBody)))]
#[post("/checkout/sessions")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: CartActor,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let CartActor(caller, email) = actor;
    once(&state, &req, &body, &caller, None, || async {
        let r: CreateSessionRequest = parse_json(&body)?;
        let session = state
            .checkout
            .open(
                CheckoutRequest {
                    cart_id: CartId::from_uuid(r.cart_id),
                    email: r.email,
                    shipping_address: shipping_address(r.shipping_address)?,
                    billing_address: address(r.billing_address, "billing_address")?,
                    shipping_method: r.shipping_method,
                    discount_code: r.discount_code,
                    payment_method: r.payment_method,
                    success_url: r.success_url,
                    cancel_url: r.cancel_url,
                    mode: r.mode,
                    metadata: r.metadata,
                    tax_id: r.tax_id,
                },
                &caller,
                email.as_deref(),
            )
            .await?;
        Answer::new(StatusCode::CREATED, &session_body(&state, session))
    })
    .await
}

/// A session; 410 `checkout_expired` once its time ran out.
#[utoipa::path(get, path = "/api/v1/checkout/sessions/{id}", tag = "checkout",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = SessionBody), (status = 404, description = "checkout_not_found", body = ErrorBody),
              (status = 410, description = "checkout_expired", body = ErrorBody)))]
#[get("/checkout/sessions/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: CartActor,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: CheckoutId = path_id(&id, "id")?;
    let session = state.checkout.get(id, &actor.0).await?;
    Ok(HttpResponse::Ok().json(session_body(&state, session)))
}

/// Cancels an open session and frees its stock.
#[utoipa::path(post, path = "/api/v1/checkout/sessions/{id}/release", tag = "checkout",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = SessionBody), (status = 404, body = ErrorBody),
              (status = 409, description = "invalid_transition (already complete)", body = ErrorBody),
              (status = 410, description = "checkout_expired", body = ErrorBody)))]
#[post("/checkout/sessions/{id}/release")]
pub async fn release(
    state: web::Data<AppState>,
    actor: CartActor,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: CheckoutId = path_id(&id, "id")?;
    let session = state.checkout.release(id, &actor.0).await?;
    Ok(HttpResponse::Ok().json(session_body(&state, session)))
}

/// The completed session and its order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmBody {
    pub checkout_id: uuid::Uuid,
    #[schema(example = "complete")]
    pub status: String,
    pub order_id: uuid::Uuid,
    pub order: OrderBody,
    /// For a guest, the token that reads the order (`?token=`); only in the first answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_token: Option<String>,
}

/// Turns the session into its order, in one transaction: the order is written, the held
/// stock leaves the shelf, the discount use is counted and the cart is emptied. 201 the
/// first time; confirming again answers the same order (200).
#[utoipa::path(post, path = "/api/v1/checkout/sessions/{id}/confirm", tag = "checkout",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 201, body = ConfirmBody), (status = 200, description = "already confirmed: the same order", body = ConfirmBody),
              (status = 404, body = ErrorBody),
              (status = 409, description = "payment_required, invalid_transition (released), insufficient_inventory", body = ErrorBody),
              (status = 410, description = "checkout_expired, discount_expired", body = ErrorBody)))]
#[post("/checkout/sessions/{id}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    actor: CartActor,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: CheckoutId = path_id(&id, "id")?;
    let confirmed = state.checkout.confirm(id, &actor.0).await?;
    let status = if confirmed.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(ConfirmBody {
        checkout_id: *confirmed.session.id.as_uuid(),
        status: "complete".into(),
        order_id: *confirmed.order.id.as_uuid(),
        order: order_body(&confirmed.order, actor.0.is_admin),
        order_token: confirmed.order_token,
    }))
}
