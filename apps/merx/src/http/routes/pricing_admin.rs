//! Admin CRUD for discount codes, tax rates and shipping zones (spec §5). A PATCH reads the
//! fields sent as a typed patch; the pricing domain lays them over the stored row and checks
//! the result like a POST, in one update of the store (`PricingService::update_discount`,
//! `update_tax_rate`, `update_zone`).

use actix_web::{HttpResponse, delete, get, patch, post, web};
use merx_kernel::{Currency, Page, ValidationErrors};
use merx_pricing::{
    Discount, DiscountId, DiscountInput, DiscountPatch, DiscountValue, PricingError, ShippingZone,
    ShippingZoneId, ShippingZoneInput, ShippingZonePatch, TaxRate, TaxRateId, TaxRateInput,
    TaxRatePatch,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Json, Paging, from_value, path_id};
use crate::http::page::PageBody;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct DiscountBody {
    pub id: uuid::Uuid,
    pub code: String,
    /// `percentage` or `fixed_amount`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Percent for `percentage`; minor units of `currency` for `fixed_amount`.
    pub value: i64,
    #[schema(value_type = Option<String>)]
    pub currency: Option<Currency>,
    pub minimum_order_amount: Option<i64>,
    pub usage_limit: Option<i64>,
    pub usage_limit_per_customer: Option<i64>,
    pub times_used: i64,
    pub starts_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
    pub is_active: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Discount> for DiscountBody {
    fn from(d: Discount) -> Self {
        let (kind, value) = match d.value {
            DiscountValue::Percentage(p) => ("percentage", i64::from(p)),
            DiscountValue::FixedAmount(a) => ("fixed_amount", a),
        };
        Self {
            id: *d.id.as_uuid(),
            code: d.code,
            kind,
            value,
            currency: d.currency,
            minimum_order_amount: d.minimum_order_amount,
            usage_limit: d.usage_limit,
            usage_limit_per_customer: d.usage_limit_per_customer,
            times_used: d.times_used,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            is_active: d.is_active,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaxRateBody {
    pub id: uuid::Uuid,
    pub country: String,
    pub state: Option<String>,
    pub name: String,
    /// Percent as an exact decimal string, e.g. `"7.25"`.
    pub rate: String,
    pub tax_shipping: bool,
    pub business_exemption: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<TaxRate> for TaxRateBody {
    fn from(r: TaxRate) -> Self {
        Self {
            id: *r.id.as_uuid(),
            country: r.country,
            state: r.state,
            name: r.name,
            rate: r.rate.to_string(),
            tax_shipping: r.tax_shipping,
            business_exemption: r.business_exemption,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShippingZoneBody {
    pub id: uuid::Uuid,
    pub name: String,
    pub countries: Vec<String>,
    pub states: Vec<String>,
    /// `[{code, name, estimated_days_min, estimated_days_max, percent_of_value, cities,
    /// is_active, rates: [{currency, base, per_kg, free_over}]}]`
    #[schema(value_type = Vec<Object>)]
    pub methods: Value,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<ShippingZone> for ShippingZoneBody {
    fn from(z: ShippingZone) -> Self {
        Self {
            id: *z.id.as_uuid(),
            name: z.name,
            countries: z.countries,
            states: z.states,
            methods: serde_json::to_value(&z.methods).unwrap_or_else(|_| json!([])),
            created_at: z.created_at,
            updated_at: z.updated_at,
        }
    }
}

/// The fields a PATCH sends, read as the create body reads them (a body that is no object is
/// refused). A missing row is a 404 whatever was sent, so a body that cannot be read is
/// answered only once `current` found the row.
async fn patch_of<P: DeserializeOwned, T>(
    body: Value,
    current: impl Future<Output = Result<T, PricingError>>,
) -> Result<P, ApiError> {
    let read = match body {
        Value::Object(_) => from_value(body),
        _ => Err(ValidationErrors::single("body", "must be a JSON object").into()),
    };
    if read.is_err() {
        current.await?;
    }
    read
}

// --- discounts ---

#[utoipa::path(get, path = "/api/v1/admin/discounts", tag = "admin-pricing",
    params(crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<DiscountBody>), (status = 403, body = ErrorBody)))]
#[get("/admin/discounts")]
pub async fn list_discounts(
    state: web::Data<AppState>,
    _admin: Admin,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let page: Page<Discount> = state.pricing.discounts(paging.0).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(page, DiscountBody::from)))
}

/// `{code, type, value, currency, minimum_order_amount, usage_limit,
/// usage_limit_per_customer, starts_at, ends_at, is_active}`.
#[utoipa::path(post, path = "/api/v1/admin/discounts", tag = "admin-pricing",
    request_body = crate::http::bodies::pricing_inputs::DiscountRequest,
    responses((status = 201, body = DiscountBody), (status = 409, description = "code_taken", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
#[post("/admin/discounts")]
pub async fn create_discount(
    state: web::Data<AppState>,
    admin: Admin,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let input: DiscountInput = from_value(body.0)?;
    let discount = state
        .pricing
        .create_discount(&input, &admin.author())
        .await?;
    Ok(HttpResponse::Created().json(DiscountBody::from(discount)))
}

#[utoipa::path(get, path = "/api/v1/admin/discounts/{id}", tag = "admin-pricing",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = DiscountBody), (status = 404, body = ErrorBody)))]
#[get("/admin/discounts/{id}")]
pub async fn get_discount(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: DiscountId = path_id(&path, "id")?;
    Ok(HttpResponse::Ok().json(DiscountBody::from(state.pricing.discount(id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/admin/discounts/{id}", tag = "admin-pricing",
    params(("id" = uuid::Uuid, Path)), request_body = crate::http::bodies::pricing_inputs::DiscountRequest,
    responses((status = 200, body = DiscountBody), (status = 404, body = ErrorBody),
              (status = 409, description = "code_taken", body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/admin/discounts/{id}")]
pub async fn update_discount(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id: DiscountId = path_id(&path, "id")?;
    let patch: DiscountPatch = patch_of(body.0, state.pricing.discount(id)).await?;
    let discount = state
        .pricing
        .update_discount(id, &patch, &admin.author())
        .await?;
    Ok(HttpResponse::Ok().json(DiscountBody::from(discount)))
}

#[utoipa::path(delete, path = "/api/v1/admin/discounts/{id}", tag = "admin-pricing",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
#[delete("/admin/discounts/{id}")]
pub async fn delete_discount(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: DiscountId = path_id(&path, "id")?;
    state.pricing.delete_discount(id, &admin.author()).await?;
    Ok(HttpResponse::NoContent().finish())
}

// --- tax rates ---

#[utoipa::path(get, path = "/api/v1/admin/tax-rates", tag = "admin-pricing",
    params(crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<TaxRateBody>), (status = 403, body = ErrorBody)))]
#[get("/admin/tax-rates")]
pub async fn list_tax_rates(
    state: web::Data<AppState>,
    _admin: Admin,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let rates = Page::of_all(state.pricing.tax_rates().await?, paging.0);
    Ok(HttpResponse::Ok().json(PageBody::from_page(rates, TaxRateBody::from)))
}

/// `{country, state?, name, rate: "7.25", tax_shipping, business_exemption}`.
#[utoipa::path(post, path = "/api/v1/admin/tax-rates", tag = "admin-pricing",
    request_body = crate::http::bodies::pricing_inputs::TaxRateRequest,
    responses((status = 201, body = TaxRateBody), (status = 409, description = "tax_rate_taken", body = ErrorBody),
              (status = 422, body = ErrorBody)))]
#[post("/admin/tax-rates")]
pub async fn create_tax_rate(
    state: web::Data<AppState>,
    admin: Admin,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let input: TaxRateInput = from_value(body.0)?;
    let rate = state
        .pricing
        .create_tax_rate(input, &admin.author())
        .await?;
    Ok(HttpResponse::Created().json(TaxRateBody::from(rate)))
}

#[utoipa::path(get, path = "/api/v1/admin/tax-rates/{id}", tag = "admin-pricing",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = TaxRateBody), (status = 404, body = ErrorBody)))]
#[get("/admin/tax-rates/{id}")]
pub async fn get_tax_rate(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: TaxRateId = path_id(&path, "id")?;
    Ok(HttpResponse::Ok().json(TaxRateBody::from(state.pricing.tax_rate(id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/admin/tax-rates/{id}", tag = "admin-pricing",
    params(("id" = uuid::Uuid, Path)), request_body = crate::http::bodies::pricing_inputs::TaxRateRequest,
    responses((status = 200, body = TaxRateBody), (status = 404, body = ErrorBody),
              (status = 409, description = "tax_rate_taken", body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/admin/tax-rates/{id}")]
pub async fn update_tax_rate(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id: TaxRateId = path_id(&path, "id")?;
    let patch: TaxRatePatch = patch_of(body.0, state.pricing.tax_rate(id)).await?;
    let rate = state
        .pricing
        .update_tax_rate(id, &patch, &admin.author())
        .await?;
    Ok(HttpResponse::Ok().json(TaxRateBody::from(rate)))
}

#[utoipa::path(delete, path = "/api/v1/admin/tax-rates/{id}", tag = "admin-pricing",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
#[delete("/admin/tax-rates/{id}")]
pub async fn delete_tax_rate(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: TaxRateId = path_id(&path, "id")?;
    state.pricing.delete_tax_rate(id, &admin.author()).await?;
    Ok(HttpResponse::NoContent().finish())
}

// --- shipping zones ---

#[utoipa::path(get, path = "/api/v1/admin/shipping-zones", tag = "admin-pricing",
    params(crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<ShippingZoneBody>), (status = 403, body = ErrorBody)))]
#[get("/admin/shipping-zones")]
pub async fn list_zones(
    state: web::Data<AppState>,
    _admin: Admin,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let zones = Page::of_all(state.pricing.zones().await?, paging.0);
    Ok(HttpResponse::Ok().json(PageBody::from_page(zones, ShippingZoneBody::from)))
}

/// `{name, countries, states?, methods: [{code, name, estimated_days_min, estimated_days_max,
/// percent_of_value?, cities?, is_active?, rates: [{currency, base, per_kg?, free_over?}]}]}`.
#[utoipa::path(post, path = "/api/v1/admin/shipping-zones", tag = "admin-pricing",
    request_body = crate::http::bodies::pricing_inputs::ShippingZoneRequest,
    responses((status = 201, body = ShippingZoneBody), (status = 422, body = ErrorBody)))]
#[post("/admin/shipping-zones")]
pub async fn create_zone(
    state: web::Data<AppState>,
    admin: Admin,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let input: ShippingZoneInput = from_value(body.0)?;
    let zone = state.pricing.create_zone(input, &admin.author()).await?;
    Ok(HttpResponse::Created().json(ShippingZoneBody::from(zone)))
}

#[utoipa::path(get, path = "/api/v1/admin/shipping-zones/{id}", tag = "admin-pricing",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ShippingZoneBody), (status = 404, body = ErrorBody)))]
#[get("/admin/shipping-zones/{id}")]
pub async fn get_zone(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: ShippingZoneId = path_id(&path, "id")?;
    Ok(HttpResponse::Ok().json(ShippingZoneBody::from(state.pricing.zone(id).await?)))
}

#[utoipa::path(patch, path = "/api/v1/admin/shipping-zones/{id}", tag = "admin-pricing",
    params(("id" = uuid::Uuid, Path)), request_body = crate::http::bodies::pricing_inputs::ShippingZoneRequest,
    responses((status = 200, body = ShippingZoneBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[patch("/admin/shipping-zones/{id}")]
pub async fn update_zone(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id: ShippingZoneId = path_id(&path, "id")?;
    let patch: ShippingZonePatch = patch_of(body.0, state.pricing.zone(id)).await?;
    let zone = state
        .pricing
        .update_zone(id, &patch, &admin.author())
        .await?;
    Ok(HttpResponse::Ok().json(ShippingZoneBody::from(zone)))
}

#[utoipa::path(delete, path = "/api/v1/admin/shipping-zones/{id}", tag = "admin-pricing",
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
#[delete("/admin/shipping-zones/{id}")]
pub async fn delete_zone(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: ShippingZoneId = path_id(&path, "id")?;
    state.pricing.delete_zone(id, &admin.author()).await?;
    Ok(HttpResponse::NoContent().finish())
}
