//! Carts (spec §4): by id under `/carts/{id}`, and the caller's current cart under `/cart`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use merx_cart::{Cart, CartCaller, CartId, CartItemId, CartService, CartView, NewLine, ProductRef};
use merx_kernel::{Currency, ProductId, ValidationErrors, VariantId};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::http::bodies::cart::{CartBody, quantity_of};
use crate::http::cart_caller::{CartActor, SESSION_HEADER, new_session_id};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Json, parse_json, path_id};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CreateCartRequest {
    /// ISO 4217; the shop's default when absent.
    #[schema(value_type = Option<String>, example = "KRW")]
    pub currency: Option<Currency>,
}

/// `{variant_id (or product_id of a single-variant product), quantity, metadata}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddItemRequest {
    pub variant_id: Option<uuid::Uuid>,
    pub product_id: Option<uuid::Uuid>,
    /// 1 to 99; 1 when absent.
    #[schema(value_type = Option<i64>, example = 1, minimum = 1, maximum = 99)]
    #[serde(default)]
    pub quantity: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Map<String, Value>>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateItemRequest {
    /// 0 removes the line; at most 99.
    #[schema(value_type = i64, example = 2, minimum = 0, maximum = 99)]
    pub quantity: Value,
}

/// The cart's body, with the status given and the guest session header when one was made.
async fn respond(
    state: &AppState,
    cart: Cart,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let customer = CartService::customer_of(&cart);
    Ok(respond_view(
        state.carts.view(cart, &customer).await?,
        status,
    ))
}

/// The cart's body, and its guest session in `X-Session-ID`.
fn respond_view(view: CartView, status: StatusCode) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if let Some(s) = view.cart.session_id() {
        response.insert_header((SESSION_HEADER, s.to_owned()));
    }
    response.json(CartBody::from(view))
}

/// A guest without a session gets one made now (returned in `X-Session-ID` and the body).
fn with_session(mut caller: CartCaller) -> CartCaller {
    if caller.user.is_none() && caller.session.is_none() {
        caller.session = Some(new_session_id());
    }
    caller
}

fn new_line(body: AddItemRequest) -> Result<NewLine, ApiError> {
    let quantity = quantity_of(body.quantity.as_ref(), Some(1))?;
    let product = match (body.variant_id, body.product_id) {
        (Some(v), _) => ProductRef::Variant(VariantId::from_uuid(v)),
        (None, Some(p)) => ProductRef::Product(ProductId::from_uuid(p)),
        (None, None) => {
            return Err(ValidationErrors::single(
                "variant_id",
                "is required (or product_id of a single-variant product)",
            )
            .into());
        }
    };
    Ok(NewLine {
        product,
        quantity,
        metadata: body.metadata,
    })
}

fn cart_id(raw: &str) -> Result<CartId, ApiError> {
    path_id(raw, "cart_id")
}

/// Creates an empty cart: a signed-in user's, or a guest's bound to `X-Session-ID` (made and
/// returned when absent).
#[utoipa::path(post, path = "/api/v1/carts", tag = "carts", request_body = CreateCartRequest,
    responses((status = 201, body = CartBody), (status = 422, body = ErrorBody)))]
#[post("/carts")]
pub async fn create(
    state: web::Data<AppState>,
    actor: CartActor,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let caller = with_session(actor.0);
    // The body is optional: no body, or `{}`, is a cart in the shop's currency.
    let currency = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        parse_json::<CreateCartRequest>(&body)?.currency
    };
    let cart = state.carts.create(&caller, currency).await?;
    respond(&state, cart, StatusCode::CREATED).await
}

/// One cart; another caller's cart is a 404.
#[utoipa::path(get, path = "/api/v1/carts/{id}", tag = "carts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CartBody), (status = 404, description = "cart_not_found", body = ErrorBody)))]
#[get("/carts/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<String>,
    actor: CartActor,
) -> Result<HttpResponse, ApiError> {
    let cart = state.carts.get(cart_id(&path)?, &actor.0).await?;
    respond(&state, cart, StatusCode::OK).await
}

/// Empties the cart (lines and discount code).
#[utoipa::path(delete, path = "/api/v1/carts/{id}", tag = "carts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CartBody), (status = 404, body = ErrorBody)))]
#[delete("/carts/{id}")]
pub async fn clear(
    state: web::Data<AppState>,
    path: web::Path<String>,
    actor: CartActor,
) -> Result<HttpResponse, ApiError> {
    let cart = state.carts.clear(Some(cart_id(&path)?), &actor.0).await?;
    respond(&state, cart, StatusCode::OK).await
}

/// Adds units of a variant, onto its existing line if any.
#[utoipa::path(post, path = "/api/v1/carts/{id}/items", tag = "carts", params(("id" = uuid::Uuid, Path)),
    request_body = AddItemRequest,
    responses((status = 201, body = CartBody), (status = 400, description = "invalid_product", body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "insufficient_inventory", body = ErrorBody),
              (status = 422, description = "quantity_invalid", body = ErrorBody)))]
#[post("/carts/{id}/items")]
pub async fn add_item(
    state: web::Data<AppState>,
    path: web::Path<String>,
    actor: CartActor,
    body: Json<AddItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = cart_id(&path)?;
    let view = state
        .carts
        .add_and_view(Some(id), &actor.0, new_line(body.0)?)
        .await?;
    Ok(respond_view(view, StatusCode::CREATED))
}

/// Sets a line's quantity (0 removes it).
#[utoipa::path(patch, path = "/api/v1/carts/{id}/items/{item_id}", tag = "carts",
    params(("id" = uuid::Uuid, Path), ("item_id" = uuid::Uuid, Path)), request_body = UpdateItemRequest,
    responses((status = 200, body = CartBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/carts/{id}/items/{item_id}")]
pub async fn update_item(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    actor: CartActor,
    body: Json<UpdateItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = cart_id(&path.0)?;
    let item: CartItemId = path_id(&path.1, "item_id")?;
    let quantity = quantity_of(Some(&body.0.quantity), None)?;
    let cart = state
        .carts
        .set_quantity(Some(id), &actor.0, item, quantity)
        .await?;
    respond(&state, cart, StatusCode::OK).await
}

/// Removes a line.
#[utoipa::path(delete, path = "/api/v1/carts/{id}/items/{item_id}", tag = "carts",
    params(("id" = uuid::Uuid, Path), ("item_id" = uuid::Uuid, Path)),
    responses((status = 200, body = CartBody), (status = 404, body = ErrorBody)))]
#[delete("/carts/{id}/items/{item_id}")]
pub async fn remove_item(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    actor: CartActor,
) -> Result<HttpResponse, ApiError> {
    let id = cart_id(&path.0)?;
    let item: CartItemId = path_id(&path.1, "item_id")?;
    let cart = state.carts.remove_item(Some(id), &actor.0, item).await?;
    respond(&state, cart, StatusCode::OK).await
}

/// Takes the discount code off the cart.
#[utoipa::path(delete, path = "/api/v1/carts/{id}/discount", tag = "carts", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = CartBody), (status = 404, body = ErrorBody)))]
#[delete("/carts/{id}/discount")]
pub async fn remove_discount(
    state: web::Data<AppState>,
    path: web::Path<String>,
    actor: CartActor,
) -> Result<HttpResponse, ApiError> {
    let cart = state
        .carts
        .remove_discount(cart_id(&path)?, &actor.0)
        .await?;
    respond(&state, cart, StatusCode::OK).await
}

/// The caller's current cart (JWT, else `X-Session-ID`); 404 cart_not_found before the first add.
#[utoipa::path(get, path = "/api/v1/cart", tag = "carts",
    responses((status = 200, body = CartBody), (status = 404, description = "cart_not_found", body = ErrorBody)))]
#[get("/cart")]
pub async fn current(
    state: web::Data<AppState>,
    actor: CartActor,
) -> Result<HttpResponse, ApiError> {
    let cart = state
        .carts
        .current(&actor.0)
        .await?
        .ok_or(merx_cart::CartError::NotFound)?;
    respond(&state, cart, StatusCode::OK).await
}

/// Empties the current cart.
#[utoipa::path(delete, path = "/api/v1/cart", tag = "carts",
    responses((status = 200, body = CartBody), (status = 404, body = ErrorBody)))]
#[delete("/cart")]
pub async fn clear_current(
    state: web::Data<AppState>,
    actor: CartActor,
) -> Result<HttpResponse, ApiError> {
    let cart = state.carts.clear(None, &actor.0).await?;
    respond(&state, cart, StatusCode::OK).await
}

/// Adds to the current cart, creating it (in the product's currency) on the first add. A
/// guest without `X-Session-ID` gets one in the answer.
#[utoipa::path(post, path = "/api/v1/cart/items", tag = "carts", request_body = AddItemRequest,
    responses((status = 201, body = CartBody), (status = 400, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/cart/items")]
pub async fn add_current_item(
    state: web::Data<AppState>,
    actor: CartActor,
    body: Json<AddItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let caller = with_session(actor.0);
    let view = state
        .carts
        .add_and_view(None, &caller, new_line(body.0)?)
        .await?;
    Ok(respond_view(view, StatusCode::CREATED))
}

/// Sets a line's quantity in the current cart (0 removes it).
#[utoipa::path(patch, path = "/api/v1/cart/items/{item_id}", tag = "carts",
    params(("item_id" = uuid::Uuid, Path)), request_body = UpdateItemRequest,
    responses((status = 200, body = CartBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/cart/items/{item_id}")]
pub async fn update_current_item(
    state: web::Data<AppState>,
    path: web::Path<String>,
    actor: CartActor,
    body: Json<UpdateItemRequest>,
) -> Result<HttpResponse, ApiError> {
    let item: CartItemId = path_id(&path, "item_id")?;
    let quantity = quantity_of(Some(&body.0.quantity), None)?;
    let cart = state
        .carts
        .set_quantity(None, &actor.0, item, quantity)
        .await?;
    respond(&state, cart, StatusCode::OK).await
}

/// Removes a line from the current cart.
#[utoipa::path(delete, path = "/api/v1/cart/items/{item_id}", tag = "carts",
    params(("item_id" = uuid::Uuid, Path)),
    responses((status = 200, body = CartBody), (status = 404, body = ErrorBody)))]
#[delete("/cart/items/{item_id}")]
pub async fn remove_current_item(
    state: web::Data<AppState>,
    path: web::Path<String>,
    actor: CartActor,
) -> Result<HttpResponse, ApiError> {
    let item: CartItemId = path_id(&path, "item_id")?;
    let cart = state.carts.remove_item(None, &actor.0, item).await?;
    respond(&state, cart, StatusCode::OK).await
}
