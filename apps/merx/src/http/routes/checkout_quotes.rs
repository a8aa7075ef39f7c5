//! The checkout calculators (spec §5, §11): shipping methods, shipping cost and tax for a cart
//! or loose items at an address, and applying a discount code to a cart. Every figure comes
//! from the one quote function.

use actix_web::{HttpResponse, post, web};
use merx_cart::{CartId, QuoteAsk, QuoteSource};
use merx_kernel::{Currency, ValidationErrors};
use merx_pricing::Destination;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::bodies::cart::{CartBody, cart_body};
use crate::http::bodies::loose_items::{LooseItem, loose_items};
use crate::http::cart_caller::CartActor;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::Json;
use crate::state::AppState;

/// Where to ship. Other address fields (name, line1…) are accepted and ignored here.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ShippingAddressBody {
    #[schema(example = "US")]
    pub country: String,
    pub state: Option<String>,
    pub city: Option<String>,
    #[schema(example = "94105")]
    pub postal_code: String,
}

/// `{cart_id}` or `{cart_items}`, plus `shipping_address` and, where relevant,
/// `shipping_method` and `discount_code`. `tax_id` marks a business customer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QuoteRequestBody {
    pub cart_id: Option<uuid::Uuid>,
    pub cart_items: Option<Vec<LooseItem>>,
    pub shipping_address: ShippingAddressBody,
    pub shipping_method: Option<String>,
    pub discount_code: Option<String>,
    pub tax_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShippingMethodBody {
    pub code: String,
    pub name: String,
    /// Minor units of `currency`, for these items at this address.
    pub price: i64,
    /// `"3-5"`, `"1"`, or `"Same day"`.
    pub estimated_days: String,
    pub estimated_days_min: u32,
    pub estimated_days_max: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShippingMethodsResponse {
    #[schema(value_type = String)]
    pub currency: Currency,
    pub methods: Vec<ShippingMethodBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShippingCostResponse {
    #[schema(value_type = String)]
    pub currency: Currency,
    pub method: String,
    pub shipping_total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineTax {
    pub variant_id: uuid::Uuid,
    pub tax: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaxResponse {
    #[schema(value_type = String)]
    pub currency: Currency,
    /// Line taxes plus `shipping_tax`.
    pub tax_total: i64,
    pub lines: Vec<LineTax>,
    pub shipping_tax: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplyDiscountRequest {
    pub cart_id: uuid::Uuid,
    pub discount_code: String,
}

fn destination(body: &QuoteRequestBody) -> Result<Destination, ApiError> {
    let a = &body.shipping_address;
    Destination::new(
        &a.country,
        a.state.as_deref(),
        a.city.as_deref(),
        &a.postal_code,
        "shipping_address.",
    )
    .map_err(|e| merx_pricing::PricingError::from(e).into())
}

fn source(body: &QuoteRequestBody) -> Result<QuoteSource, ApiError> {
    match (&body.cart_id, &body.cart_items) {
        (Some(_), Some(_)) => Err(ValidationErrors::single(
            "cart_items",
            "send cart_id or cart_items, not both",
        )
        .into()),
        (Some(id), None) => Ok(QuoteSource::Cart(CartId::from_uuid(*id))),
        (None, Some(items)) => Ok(QuoteSource::Items(loose_items(items)?)),
        (None, None) => {
            Err(ValidationErrors::single("cart_id", "send cart_id or cart_items").into())
        }
    }
}

/// The question a calculator asks of the cart domain.
fn ask<'a>(
    body: &'a QuoteRequestBody,
    caller: &'a merx_cart::CartCaller,
    to: &'a Destination,
    shipping_method: Option<&'a str>,
) -> Result<QuoteAsk<'a>, ApiError> {
    Ok(QuoteAsk {
        source: source(body)?,
        caller,
        destination: to,
        shipping_method,
        discount_code: body.discount_code.as_deref(),
        tax_id: body.tax_id.clone(),
    })
}

fn days(min: u32, max: u32) -> String {
    match (min, max) {
        (0, 0) => "Same day".into(),
        (a, b) if a == b => a.to_string(),
        (a, b) => format!("{a}-{b}"),
    }
}

/// The methods offered at the address, each priced for these items.
#[utoipa::path(post, path = "/api/v1/checkout/shipping-methods", tag = "checkout",
    request_body = QuoteRequestBody,
    responses((status = 200, body = ShippingMethodsResponse), (status = 404, description = "cart_not_found", body = ErrorBody),
              (status = 422, description = "invalid_postal_code or validation_error", body = ErrorBody)))]
#[post("/checkout/shipping-methods")]
pub async fn shipping_methods(
    state: web::Data<AppState>,
    actor: CartActor,
    Json(body): Json<QuoteRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let to = destination(&body)?;
    let ask = ask(&body, &actor.0, &to, None)?;
    let (currency, options) = state.carts.shipping_options(&ask).await?;
    Ok(HttpResponse::Ok().json(ShippingMethodsResponse {
        currency,
        methods: options
            .into_iter()
            .map(|o| ShippingMethodBody {
                estimated_days: days(o.estimated_days_min, o.estimated_days_max),
                code: o.code,
                name: o.name,
                price: o.price.amount(),
                estimated_days_min: o.estimated_days_min,
                estimated_days_max: o.estimated_days_max,
            })
            .collect(),
    }))
}

/// The cost of one method for these items at the address.
#[utoipa::path(post, path = "/api/v1/checkout/shipping-cost", tag = "checkout",
    request_body = QuoteRequestBody,
    responses((status = 200, body = ShippingCostResponse), (status = 404, description = "cart_not_found", body = ErrorBody),
              (status = 422, description = "shipping_unavailable, invalid_postal_code or validation_error", body = ErrorBody)))]
#[post("/checkout/shipping-cost")]
pub async fn shipping_cost(
    state: web::Data<AppState>,
    actor: CartActor,
    Json(body): Json<QuoteRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let to = destination(&body)?;
    let method = body.shipping_method.clone().ok_or_else(|| {
        ApiError::from(ValidationErrors::single("shipping_method", "is required"))
    })?;
    let ask = ask(&body, &actor.0, &to, Some(&method))?;
    let quote = state.carts.quote(&ask).await?;
    Ok(HttpResponse::Ok().json(ShippingCostResponse {
        currency: quote.currency,
        method: merx_pricing::method_code(&method),
        shipping_total: quote.shipping_total.amount(),
    }))
}

/// Tax on these items at the address (per line, on discounted amounts, plus shipping's where
/// the zone taxes it).
#[utoipa::path(post, path = "/api/v1/checkout/tax", tag = "checkout",
    request_body = QuoteRequestBody,
    responses((status = 200, body = TaxResponse), (status = 404, description = "cart_not_found", body = ErrorBody),
              (status = 422, description = "invalid_postal_code or validation_error", body = ErrorBody)))]
#[post("/checkout/tax")]
pub async fn tax(
    state: web::Data<AppState>,
    actor: CartActor,
    Json(body): Json<QuoteRequestBody>,
) -> Result<HttpResponse, ApiError> {
    let to = destination(&body)?;
    let ask = ask(&body, &actor.0, &to, body.shipping_method.as_deref())?;
    let quote = state.carts.quote(&ask).await?;
    Ok(HttpResponse::Ok().json(TaxResponse {
        currency: quote.currency,
        tax_total: quote.tax_total.amount(),
        lines: quote
            .lines
            .iter()
            .map(|l| LineTax {
                variant_id: *l.variant_id.as_uuid(),
                tax: l.tax.amount(),
            })
            .collect(),
        shipping_tax: quote.shipping_tax.amount(),
    }))
}

/// Applies a discount code to a cart; the answer is the cart.
#[utoipa::path(post, path = "/api/v1/checkout/discount", tag = "checkout",
    request_body = ApplyDiscountRequest,
    responses((status = 200, body = CartBody), (status = 400, description = "discount_invalid", body = ErrorBody),
              (status = 404, description = "cart_not_found", body = ErrorBody),
              (status = 409, description = "discount_already_applied", body = ErrorBody),
              (status = 410, description = "discount_expired", body = ErrorBody),
              (status = 422, description = "discount_minimum_not_met", body = ErrorBody)))]
#[post("/checkout/discount")]
pub async fn apply_discount(
    state: web::Data<AppState>,
    actor: CartActor,
    Json(body): Json<ApplyDiscountRequest>,
) -> Result<HttpResponse, ApiError> {
    let cart = state
        .carts
        .apply_discount(
            CartId::from_uuid(body.cart_id),
            &actor.0,
            &body.discount_code,
        )
        .await?;
    Ok(HttpResponse::Ok().json(cart_body(&state, cart).await?))
}
