//! Orders (spec §6): the orders-first flow (`POST /orders`, `POST /orders/{id}/payment`),
//! customers' and admins' lists, reading with a guest's `?token=`, admin edits, and the
//! owner's cancel that returns stock.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use merx_checkout::{NewOrderRequest, OrderSource};
use merx_kernel::ValidationErrors;
use merx_orders::{OrderEdit, OrderId, OrderStatus, OrderViewer, PaymentStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::http::bodies::address::{address, shipping_address};
use crate::http::bodies::loose_items::{LooseItem, loose_items};
use crate::http::bodies::order::{OrderBody, order_body};
use crate::http::bodies::refund::RefundBody;
use crate::http::cart_caller::CartActor;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Caller, MaybeCaller, Paging, parse_json, path_id};
use crate::http::idempotency::{Answer, once};
use crate::http::order_viewer::{TokenQuery, token_of, viewer};
use crate::http::page::PageBody;
use crate::http::patch::double_option;
use crate::state::AppState;

/// `POST /orders`: `cart_id` or `items`, the addresses, methods and notes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateOrderRequest {
    pub cart_id: Option<uuid::Uuid>,
    pub items: Option<Vec<LooseItem>>,
    /// Required for guests.
    pub email: Option<String>,
    #[schema(value_type = Object)]
    pub shipping_address: Option<Value>,
    /// An address, or `"same"` (the default).
    #[schema(value_type = Object)]
    pub billing_address: Option<Value>,
    #[schema(example = "standard")]
    pub shipping_method: String,
    #[schema(example = "cash_on_delivery")]
    pub payment_method: String,
    pub discount_code: Option<String>,
    pub notes: Option<String>,
    pub tax_id: Option<String>,
}

/// The order body plus, for guests, the token that reads it (`?token=`), shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedOrderBody {
    #[serde(flatten)]
    pub order: OrderBody,
    pub order_token: Option<String>,
}

/// Places an order before payment (orders-first flow): pending, its stock held for the
/// reservation time; an order still unpaid then is cancelled (`payment_timeout`).
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = CreateOrderRequest,
    params(("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = CreatedOrderBody), (status = 400, description = "empty_cart, invalid_product or discount_invalid", body = ErrorBody),
              (status = 404, description = "cart_not_found", body = ErrorBody),
              (status = 409, description = "insufficient_inventory", body = ErrorBody),
              (status = 410, description = "discount_expired (past its end, or used up)", body = ErrorBody),
              (status = 422, description = "validation_error, shipping_unavailable, payment_method_unavailable", body = ErrorBody)))]
#[post("/orders")]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    actor: CartActor,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let CartActor(caller, email) = actor;
    once(&state, &req, &body, &caller, None, || async {
        let r: CreateOrderRequest = parse_json(&body)?;
        let source = match (r.cart_id, r.items) {
            (Some(id), None) => OrderSource::Cart(merx_cart::CartId::from_uuid(id)),
            (None, Some(items)) => OrderSource::Items(loose_items(&items)?),
            _ => {
                return Err(ApiError::validation(&ValidationErrors::single(
                    "cart_id",
                    "send cart_id or items",
                )));
            }
        };
        let placed = state
            .checkout
            .place(
                NewOrderRequest {
                    source,
                    email: r.email,
                    shipping_address: shipping_address(r.shipping_address)?,
                    billing_address: address(r.billing_address, "billing_address")?,
                    shipping_method: r.shipping_method,
                    payment_method: r.payment_method,
                    discount_code: r.discount_code,
                    notes: r.notes,
                    tax_id: r.tax_id,
                },
                &caller,
                email.as_deref(),
            )
            .await?;
        Answer::new(
            StatusCode::CREATED,
            &CreatedOrderBody {
                order: order_body(&placed.order, caller.is_admin),
                order_token: placed.order_token,
            },
        )
    })
    .await
}

/// An order status named by a client (absent or blank: none).
fn status_of(raw: Option<&str>) -> Result<Option<OrderStatus>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => OrderStatus::parse(s).map(Some).ok_or_else(|| {
            ApiError::validation(&ValidationErrors::single(
                "status",
                "must be pending, confirmed, processing, shipped, delivered or cancelled",
            ))
        }),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    /// pending, confirmed, processing, shipped, delivered or cancelled.
    pub status: Option<String>,
}

/// The caller's orders (an admin's: everyone's), newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("bearer" = [])),
    params(OrderListQuery, crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<OrderBody>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[get("/orders")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let q: OrderListQuery = crate::http::extract::query(req.query_string())?;
    let status = status_of(q.status.as_deref())?;
    let admin = caller.0.is_admin();
    let viewer = viewer(&MaybeCaller(Some(caller.0)), None);
    let page = state
        .checkout
        .orders()
        .list(&viewer, status, paging.0)
        .await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(page, |o| order_body(&o, admin))))
}

/// One order: its customer's, an admin's, or a guest's with `?token=`.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = uuid::Uuid, Path), TokenQuery),
    responses((status = 200, body = OrderBody), (status = 404, description = "order_not_found", body = ErrorBody)))]
#[get("/orders/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id(&id, "id")?;
    let viewer = viewer(&caller, token_of(&req)?.as_deref());
    let order = state.checkout.orders().get(id, &viewer).await?;
    Ok(HttpResponse::Ok().json(order_body(&order, viewer.is_admin)))
}

/// An admin's edit: `status` (through the status machine), `tracking_number`, `admin_note`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OrderPatchRequest {
    #[schema(example = "shipped")]
    pub status: Option<String>,
    /// Only `paid`: records a payment received by hand (it confirms an unpaid card order in
    /// the same edit).
    #[schema(example = "paid")]
    pub payment_status: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub tracking_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub admin_note: Option<Option<String>>,
}

/// Moves an order along (409 `invalid_transition` for a move the machine refuses); a move
/// to `cancelled` returns its stock. A pending cash-on-delivery order may be confirmed; a
/// pending card order only in an edit that also sets `payment_status: "paid"` (a payment
/// received by hand). Confirming takes its held stock.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "orders", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path)), request_body = OrderPatchRequest,
    responses((status = 200, body = OrderBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "invalid_transition", body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/orders/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    body: crate::http::extract::Json<OrderPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id(&id, "id")?;
    let r = body.0;
    let status = status_of(r.status.as_deref())?;
    let payment_status = r
        .payment_status
        .as_deref()
        .map(|p| {
            PaymentStatus::parse(p.trim()).ok_or_else(|| {
                ApiError::validation(&ValidationErrors::single(
                    "payment_status",
                    "must be pending, paid, failed, refunded or partially_refunded",
                ))
            })
        })
        .transpose()?;
    let order = state
        .checkout
        .edit_order(
            id,
            OrderEdit {
                status,
                payment_status,
                tracking_number: r.tracking_number,
                admin_note: r.admin_note,
            },
            &admin.author(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(order_body(&order, true)))
}

/// The owner (or an admin, or a guest with `?token=`) cancels a pending or confirmed
/// order: its stock returns. Answers the cancelled order.
#[utoipa::path(delete, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = uuid::Uuid, Path), TokenQuery),
    responses((status = 200, body = OrderBody), (status = 404, body = ErrorBody),
              (status = 409, description = "invalid_transition (processing or later)", body = ErrorBody)))]
#[delete("/orders/{id}")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id(&id, "id")?;
    let viewer = viewer(&caller, token_of(&req)?.as_deref());
    let order = state.checkout.cancel(id, &viewer, &caller.author()).await?;
    Ok(HttpResponse::Ok().json(order_body(&order, viewer.is_admin)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PayOrderRequest {
    #[schema(example = "cash_on_delivery")]
    pub payment_method: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentBody {
    pub provider: String,
    /// Cash on delivery: the order is confirmed now and paid to the courier.
    pub settles_on_delivery: bool,
    pub provider_ref: Option<String>,
    /// What the client needs to pay, beside `provider` (provider specific: a Stripe
    /// `client_secret`, Toss widget data, cash on delivery `instructions`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub client: serde_json::Map<String, Value>,
}

/// A Stripe PaymentIntent to confirm with Stripe.js.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentIntentBody {
    pub id: String,
    pub client_secret: String,
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PayOrderResponse {
    pub order: OrderBody,
    pub payment: PaymentBody,
    /// Stripe: the PaymentIntent; `payment_intent.succeeded` then confirms the order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<PaymentIntentBody>,
}

/// Pays a pending order. Cash on delivery confirms it (its held stock leaves the shelf).
#[utoipa::path(post, path = "/api/v1/orders/{id}/payment", tag = "orders",
    params(("id" = uuid::Uuid, Path), TokenQuery, ("Idempotency-Key" = Option<String>, Header)),
    request_body = PayOrderRequest,
    responses((status = 200, body = PayOrderResponse), (status = 404, body = ErrorBody),
              (status = 409, description = "invalid_transition (not pending)", body = ErrorBody),
              (status = 410, description = "checkout_expired (time to pay ran out)", body = ErrorBody),
              (status = 422, description = "payment_method_unavailable", body = ErrorBody)))]
#[post("/orders/{id}/payment")]
pub async fn pay(
    state: web::Data<AppState>,
    caller: MaybeCaller,
    actor: CartActor,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id(&id, "id")?;
    let viewer = viewer(&caller, token_of(&req)?.as_deref());
    once(
        &state,
        &req,
        &body,
        &actor.0,
        viewer.token_hash.as_deref(),
        || async {
            let r: PayOrderRequest = parse_json(&body)?;
            let answer = state.checkout.pay(id, &viewer, &r.payment_method).await?;
            let payment_intent = answer.payment.intent().map(|i| PaymentIntentBody {
                id: i.id,
                client_secret: i.client_secret,
                status: i.status,
            });
            Answer::new(
                StatusCode::OK,
                &PayOrderResponse {
                    payment_intent,
                    order: order_body(&answer.order, viewer.is_admin),
                    payment: PaymentBody {
                        provider: answer.payment.method.as_str().to_owned(),
                        settles_on_delivery: answer.payment.settles_on_delivery,
                        provider_ref: answer.payment.provider_ref,
                        client: answer.payment.client,
                    },
                },
            )
        },
    )
    .await
}

/// `POST /orders/{id}/refunds`: all that is left when `amount` is absent.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RefundRequestBody {
    /// Minor units of the order's currency.
    pub amount: Option<i64>,
    pub reason: Option<String>,
    /// Return the order's units to stock with the refund.
    #[serde(default)]
    pub restock: bool,
}

/// Refunds (part of) a paid order through its provider (admin). Never more than was captured
/// less what was refunded: 409 `refund_exceeds_captured` (also after a full refund), or 409
/// `nothing_to_refund` for an order that never captured anything.
#[utoipa::path(post, path = "/api/v1/orders/{id}/refunds", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path), ("Idempotency-Key" = Option<String>, Header)), request_body = RefundRequestBody,
    responses((status = 201, body = RefundBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, description = "nothing_to_refund, refund_exceeds_captured", body = ErrorBody),
              (status = 422, body = ErrorBody), (status = 502, description = "payment_provider_error", body = ErrorBody)))]
#[post("/orders/{id}/refunds")]
pub async fn refund(
    state: web::Data<AppState>,
    admin: Admin,
    actor: CartActor,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id(&id, "id")?;
    once(&state, &req, &body, &actor.0, None, || async {
        let r: RefundRequestBody = if body.is_empty() {
            RefundRequestBody::default()
        } else {
            parse_json(&body)?
        };
        let refund = state
            .checkout
            .refund(
                id,
                merx_checkout::RefundAsk {
                    amount: r.amount,
                    reason: r.reason,
                    restock: r.restock,
                },
                &admin.author(),
            )
            .await?;
        Answer::new(StatusCode::CREATED, &RefundBody::from(refund))
    })
    .await
}

/// The order's refunds, oldest first (admin).
#[utoipa::path(get, path = "/api/v1/orders/{id}/refunds", tag = "orders", security(("bearer" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<RefundBody>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[get("/orders/{id}/refunds")]
pub async fn refunds(
    state: web::Data<AppState>,
    _admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: OrderId = path_id(&id, "id")?;
    let admin = OrderViewer {
        is_admin: true,
        ..OrderViewer::default()
    };
    let all = state.checkout.refunds(id, &admin).await?;
    Ok(HttpResponse::Ok().json(all.into_iter().map(RefundBody::from).collect::<Vec<_>>()))
}
