//! `/products`: the catalog (spec §3). Everyone sees active products; admins see all and edit.

use std::collections::BTreeMap;

use std::future::Future;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use merx_catalog::{
    Audience, ImageInput, MinRating, ProductInput, ProductPatch, ProductQuery, ProductStatus,
    RatingSummary, SortBy, SortOrder, StockedProduct, VariantInput, VariantPatch,
};
use merx_kernel::{Currency, PageRequest, ProductId, ValidationErrors, VariantId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::cache::ResponseCache;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Json, MaybeCaller, flag, path_id};
use crate::http::page::PageBody;
use crate::http::patch::double_option;
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema, Clone)]
pub struct ImageBody {
    pub url: String,
    pub alt_text: Option<String>,
    pub sort_order: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VariantResponse {
    pub id: uuid::Uuid,
    pub sku: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub options: BTreeMap<String, String>,
    /// Minor units of the product's currency.
    pub price: i64,
    pub compare_at_price: Option<i64>,
    /// Admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_price: Option<i64>,
    pub weight_grams: i64,
    pub track_inventory: bool,
    pub inventory_count: i64,
    pub available: i64,
    pub low_stock_threshold: i64,
}

/// Published reviews per star.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingCountsBody {
    #[serde(rename = "1")]
    pub one: u32,
    #[serde(rename = "2")]
    pub two: u32,
    #[serde(rename = "3")]
    pub three: u32,
    #[serde(rename = "4")]
    pub four: u32,
    #[serde(rename = "5")]
    pub five: u32,
}

/// What the product's published reviews add up to (spec §18).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewSummaryBody {
    /// The mean, rounded half up to one decimal; 0 without reviews.
    #[schema(example = 4.3)]
    pub average_rating: f64,
    pub total_reviews: u64,
    pub rating_counts: RatingCountsBody,
}

impl From<RatingSummary> for ReviewSummaryBody {
    fn from(s: RatingSummary) -> Self {
        let [one, two, three, four, five] = s.counts();
        Self {
            average_rating: s.average_rating(),
            total_reviews: s.total(),
            rating_counts: RatingCountsBody {
                one,
                two,
                three,
                four,
                five,
            },
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductResponse {
    pub id: uuid::Uuid,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub short_description: Option<String>,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub images: Vec<ImageBody>,
    /// `draft`, `active` or `archived`.
    pub status: &'static str,
    pub is_featured: bool,
    pub currency: String,
    /// The lowest variant price, in minor units.
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub variants: Vec<VariantResponse>,
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub is_in_stock: bool,
    pub is_low_stock: bool,
    pub reviews: ReviewSummaryBody,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn product_response(stocked: StockedProduct, audience: Audience) -> ProductResponse {
    let is_in_stock = stocked.is_in_stock();
    let is_low_stock = stocked.is_low_stock();
    let StockedProduct { product: p, levels } = stocked;
    let compare_at_price = p
        .cheapest()
        .and_then(|v| v.compare_at_price)
        .map(|m| m.amount());
    let price = p.price().amount();
    let variants: Vec<VariantResponse> = p
        .variants
        .into_iter()
        .map(|v| {
            let level = levels.iter().find(|l| l.variant_id == v.id);
            let cost_price = v.cost_price_for(audience).map(|m| m.amount());
            VariantResponse {
                id: *v.id.as_uuid(),
                sku: v.sku,
                name: v.name,
                options: v.options,
                price: v.price.amount(),
                compare_at_price: v.compare_at_price.map(|m| m.amount()),
                cost_price,
                weight_grams: v.weight_grams,
                track_inventory: level.is_none_or(|l| l.settings.track_inventory),
                inventory_count: level.map_or(0, |l| l.on_hand),
                available: level.map_or(0, |l| l.available()),
                low_stock_threshold: level.map_or(0, |l| l.settings.low_stock_threshold),
            }
        })
        .collect();
    ProductResponse {
        id: *p.id.as_uuid(),
        name: p.name,
        slug: p.slug,
        description: p.description,
        short_description: p.short_description,
        category: p.category,
        tags: p.tags,
        images: p
            .images
            .into_iter()
            .map(|i| ImageBody {
                url: i.url,
                alt_text: i.alt_text,
                sort_order: Some(i.sort_order),
            })
            .collect(),
        status: p.status.as_str(),
        is_featured: p.is_featured,
        currency: p.currency.code().to_owned(),
        price,
        compare_at_price,
        variants,
        attributes: p.attributes,
        seo_title: p.seo_title,
        seo_description: p.seo_description,
        is_in_stock,
        is_low_stock,
        reviews: p.reviews.into(),
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

fn audience(caller: &MaybeCaller) -> Audience {
    Audience::of(caller.is_admin())
}

/// Query parameters of the product list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListParams {
    pub category: Option<String>,
    pub tag: Option<String>,
    /// ISO 4217 code; only products priced in it.
    pub currency: Option<String>,
    /// Minor units, on the product price (its cheapest variant).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub min_price: Option<String>,
    #[param(value_type = Option<i64>, minimum = 0)]
    pub max_price: Option<String>,
    #[param(value_type = Option<bool>)]
    pub in_stock: Option<String>,
    #[param(value_type = Option<bool>)]
    pub featured: Option<String>,
    /// Case-insensitive text in name, description or SKU.
    pub search: Option<String>,
    /// Alias of `search`.
    pub q: Option<String>,
    /// Only products whose mean rating (0 without reviews) is at least this, 0 to 5.
    #[param(value_type = Option<f64>, minimum = 0, maximum = 5)]
    pub min_rating: Option<String>,
    /// `price`, `name`, `rating` (the mean of published reviews) or `created_at` (default).
    #[param(pattern = "^(price|name|rating|created_at)$")]
    pub sort_by: Option<String>,
    /// `asc` or `desc` (default).
    #[param(pattern = "^(asc|desc)$")]
    pub sort_order: Option<String>,
    /// Admins only: `draft`, `active` or `archived` (comma-separated for several).
    #[param(pattern = "^(draft|active|archived)(,(draft|active|archived))*$")]
    pub status: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 4294967295_i64)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub page_size: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

fn product_query(query_string: &str) -> Result<ProductQuery, ApiError> {
    let p: ProductListParams = crate::http::extract::query(query_string)?;
    let mut e = ValidationErrors::new();
    fn int(e: &mut ValidationErrors, field: &str, v: Option<String>) -> Option<i64> {
        v.and_then(|v| {
            e.check(
                field,
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| "must be a whole number"),
            )
        })
    }
    let sort_by = match p.sort_by.as_deref().map(str::trim) {
        None | Some("created_at") => SortBy::CreatedAt,
        Some("price") => SortBy::Price,
        Some("name") => SortBy::Name,
        Some("rating") => SortBy::Rating,
        Some(_) => {
            e.add("sort_by", "must be price, name, rating or created_at");
            SortBy::CreatedAt
        }
    };
    let sort_order = match p.sort_order.as_deref().map(str::trim) {
        None | Some("desc") => SortOrder::Desc,
        Some("asc") => SortOrder::Asc,
        Some(_) => {
            e.add("sort_order", "must be asc or desc");
            SortOrder::Desc
        }
    };
    let statuses: Vec<ProductStatus> = p
        .status
        .iter()
        .flat_map(|wanted| wanted.split(','))
        .filter_map(|s| {
            let status = ProductStatus::parse(s.trim());
            if status.is_none() {
                e.add("status", "must be draft, active or archived");
            }
            status
        })
        .collect();
    let currency = p
        .currency
        .and_then(|c| e.check("currency", c.parse::<Currency>()));
    let min_price = int(&mut e, "min_price", p.min_price);
    let max_price = int(&mut e, "max_price", p.max_price);
    let in_stock = flag(&mut e, "in_stock", p.in_stock);
    let featured = flag(&mut e, "featured", p.featured);
    let min_rating = p.min_rating.and_then(|v| {
        let bound = MinRating::parse(&v);
        if bound.is_none() {
            e.add(
                "min_rating",
                "must be a number from 0 to 5, at most two decimals",
            );
        }
        bound
    });
    let page = int(&mut e, "page", p.page);
    let page_size = int(&mut e, "page_size", p.page_size.or(p.limit));
    e.into_result()?;
    Ok(ProductQuery {
        statuses,
        category: p.category,
        tag: p.tag,
        currency,
        min_price,
        max_price,
        in_stock,
        featured,
        min_rating,
        search: p.search.or(p.q),
        sort_by,
        sort_order,
        page: PageRequest::new(page, page_size)?,
        now: chrono::DateTime::<chrono::Utc>::default(),
    })
}

async fn list_products(
    state: &AppState,
    req: &HttpRequest,
    caller: &MaybeCaller,
) -> Result<Bytes, ApiError> {
    let query = product_query(req.query_string())?;
    let audience = audience(caller);
    let page = state.catalog.list(query, audience).await?;
    to_bytes(&PageBody::from_page(page, |p| {
        product_response(p, audience)
    }))
}

fn to_bytes(body: &impl Serialize) -> Result<Bytes, ApiError> {
    serde_json::to_vec(body).map(Bytes::from).map_err(|e| {
        tracing::error!(error = %e, "could not serialise a catalog answer");
        ApiError::internal()
    })
}

/// Serves a non-admin read from the short-lived cache, or computes and caches it. Admins
/// always read through, and only successful answers are cached.
async fn cached<Fut>(
    cache: &ResponseCache,
    req: &HttpRequest,
    caller: &MaybeCaller,
    compute: Fut,
) -> Result<HttpResponse, ApiError>
where
    Fut: Future<Output = Result<Bytes, ApiError>>,
{
    let json = |body: Bytes| {
        HttpResponse::Ok()
            .content_type("application/json")
            .body(body)
    };
    if caller.is_admin() || !cache.enabled() {
        return compute.await.map(json);
    }
    cache
        .get_or_compute(&req.uri().to_string(), compute)
        .await
        .map(json)
}

/// Products, filtered, sorted and paged. The public sees active products only.
#[utoipa::path(get, path = "/api/v1/products", tag = "catalog", params(ProductListParams),
    responses((status = 200, body = PageBody<ProductResponse>), (status = 422, body = ErrorBody)))]
#[get("/products")]
pub async fn list(
    state: web::Data<AppState>,
    cache: web::Data<ResponseCache>,
    req: HttpRequest,
    caller: MaybeCaller,
) -> Result<HttpResponse, ApiError> {
    cached(&cache, &req, &caller, list_products(&state, &req, &caller)).await
}

/// The same list as `GET /products`, for `?q=` searches.
#[utoipa::path(get, path = "/api/v1/products/search", tag = "catalog", params(ProductListParams),
    responses((status = 200, body = PageBody<ProductResponse>), (status = 422, body = ErrorBody)))]
#[get("/products/search")]
pub async fn search(
    state: web::Data<AppState>,
    cache: web::Data<ResponseCache>,
    req: HttpRequest,
    caller: MaybeCaller,
) -> Result<HttpResponse, ApiError> {
    cached(&cache, &req, &caller, list_products(&state, &req, &caller)).await
}

/// One product by id.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "catalog", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProductResponse), (status = 404, body = ErrorBody)))]
#[get("/products/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    cache: web::Data<ResponseCache>,
    req: HttpRequest,
    id: web::Path<String>,
    caller: MaybeCaller,
) -> Result<HttpResponse, ApiError> {
    let id: ProductId = path_id(&id, "id")?;
    cached(&cache, &req, &caller, async {
        let product = state.catalog.get(id, audience(&caller)).await?;
        to_bytes(&product_response(product, audience(&caller)))
    })
    .await
}

/// One product by slug.
#[utoipa::path(get, path = "/api/v1/products/slug/{slug}", tag = "catalog", params(("slug" = String, Path)),
    responses((status = 200, body = ProductResponse), (status = 404, body = ErrorBody)))]
#[get("/products/slug/{slug}")]
pub async fn get_by_slug(
    state: web::Data<AppState>,
    cache: web::Data<ResponseCache>,
    req: HttpRequest,
    slug: web::Path<String>,
    caller: MaybeCaller,
) -> Result<HttpResponse, ApiError> {
    cached(&cache, &req, &caller, async {
        let product = state.catalog.get_by_slug(&slug, audience(&caller)).await?;
        to_bytes(&product_response(product, audience(&caller)))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct VariantRequest {
    pub sku: String,
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub options: BTreeMap<String, String>,
    /// Minor units.
    pub price: i64,
    pub compare_at_price: Option<i64>,
    pub cost_price: Option<i64>,
    pub weight_grams: Option<i64>,
    pub inventory_count: Option<i64>,
    pub track_inventory: Option<bool>,
    pub low_stock_threshold: Option<i64>,
}

impl From<VariantRequest> for VariantInput {
    fn from(v: VariantRequest) -> Self {
        Self {
            sku: v.sku,
            name: v.name,
            options: v.options,
            price: v.price,
            compare_at_price: v.compare_at_price,
            cost_price: v.cost_price,
            weight_grams: v.weight_grams,
            inventory_count: v.inventory_count,
            track_inventory: v.track_inventory,
            low_stock_threshold: v.low_stock_threshold,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusBody {
    Draft,
    Active,
    Archived,
}

impl From<StatusBody> for ProductStatus {
    fn from(s: StatusBody) -> Self {
        match s {
            StatusBody::Draft => Self::Draft,
            StatusBody::Active => Self::Active,
            StatusBody::Archived => Self::Archived,
        }
    }
}

fn images(bodies: Vec<ImageBody>) -> Vec<ImageInput> {
    bodies
        .into_iter()
        .map(|i| ImageInput {
            url: i.url,
            alt_text: i.alt_text,
            sort_order: i.sort_order,
        })
        .collect()
}

/// A new product. Without `variants`, `price` + `sku` (+ `inventory_count`) make a simple product.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateProductRequest {
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub short_description: Option<String>,
    pub category: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub images: Vec<ImageBody>,
    /// Default `draft`.
    pub status: Option<StatusBody>,
    #[serde(default)]
    pub is_featured: bool,
    /// ISO 4217; the shop's default currency when absent.
    #[schema(value_type = Option<String>, example = "USD")]
    pub currency: Option<Currency>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    #[serde(default)]
    pub variants: Vec<VariantRequest>,
    pub price: Option<i64>,
    pub compare_at_price: Option<i64>,
    pub sku: Option<String>,
    pub inventory_count: Option<i64>,
}

/// Creates a product.
#[utoipa::path(post, path = "/api/v1/products", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    request_body = CreateProductRequest,
    responses((status = 201, body = ProductResponse), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
#[post("/products")]
pub async fn create(
    state: web::Data<AppState>,
    admin: Admin,
    body: Json<CreateProductRequest>,
) -> Result<HttpResponse, ApiError> {
    let Json(r) = body;
    let input = ProductInput {
        name: r.name,
        slug: r.slug,
        description: r.description,
        short_description: r.short_description,
        category: r.category,
        tags: r.tags,
        images: images(r.images),
        status: r.status.map(ProductStatus::from),
        is_featured: r.is_featured,
        currency: r.currency,
        attributes: r.attributes,
        seo_title: r.seo_title,
        seo_description: r.seo_description,
        variants: r.variants.into_iter().map(VariantInput::from).collect(),
        price: r.price,
        compare_at_price: r.compare_at_price,
        sku: r.sku,
        inventory_count: r.inventory_count,
    };
    let product = state.catalog.create(input, &admin.author()).await?;
    Ok(HttpResponse::Created().json(product_response(product, Audience::Admin)))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct UpdateProductRequest {
    pub name: Option<String>,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub short_description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    pub images: Option<Vec<ImageBody>>,
    pub status: Option<StatusBody>,
    pub is_featured: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub seo_title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub seo_description: Option<Option<String>>,
}

/// Changes some fields of a product.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path)), request_body = UpdateProductRequest,
    responses((status = 200, body = ProductResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
#[patch("/products/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    body: Json<UpdateProductRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: ProductId = path_id(&id, "id")?;
    let Json(r) = body;
    let patch = ProductPatch {
        name: r.name,
        slug: r.slug,
        description: r.description,
        short_description: r.short_description,
        category: r.category,
        tags: r.tags,
        images: r.images.map(images),
        status: r.status.map(ProductStatus::from),
        is_featured: r.is_featured,
        attributes: r.attributes,
        seo_title: r.seo_title,
        seo_description: r.seo_description,
    };
    let product = state.catalog.update(id, patch, &admin.author()).await?;
    Ok(HttpResponse::Ok().json(product_response(product, Audience::Admin)))
}

/// Deletes a product; one that orders or carts reference is archived instead. 204 either way.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204, description = "deleted or archived"), (status = 404, body = ErrorBody)))]
#[delete("/products/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: ProductId = path_id(&id, "id")?;
    let removal = state.catalog.remove(id, &admin.author()).await?;
    tracing::info!(product = %id, ?removal, "product removed");
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a variant; answers the whole product.
#[utoipa::path(post, path = "/api/v1/products/{id}/variants", tag = "catalog", security(("bearer" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path)), request_body = VariantRequest,
    responses((status = 201, body = ProductResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
#[post("/products/{id}/variants")]
pub async fn add_variant(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
    body: Json<VariantRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: ProductId = path_id(&id, "id")?;
    let (product, _) = state
        .catalog
        .add_variant(id, body.0.into(), &admin.author())
        .await?;
    Ok(HttpResponse::Created().json(product_response(product, Audience::Admin)))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
pub struct VariantPatchRequest {
    pub sku: Option<String>,
    pub name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub options: Option<BTreeMap<String, String>>,
    pub price: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub compare_at_price: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub cost_price: Option<Option<i64>>,
    pub weight_grams: Option<i64>,
}

fn ids(path: &(String, String)) -> Result<(ProductId, VariantId), ApiError> {
    Ok((path_id(&path.0, "id")?, path_id(&path.1, "variant_id")?))
}

/// Changes some fields of a variant; answers the whole product.
#[utoipa::path(patch, path = "/api/v1/products/{id}/variants/{variant_id}", tag = "catalog",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path), ("variant_id" = uuid::Uuid, Path)), request_body = VariantPatchRequest,
    responses((status = 200, body = ProductResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
#[patch("/products/{id}/variants/{variant_id}")]
pub async fn update_variant(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<(String, String)>,
    body: Json<VariantPatchRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, vid) = ids(&path)?;
    let Json(r) = body;
    let patch = VariantPatch {
        sku: r.sku,
        name: r.name,
        options: r.options,
        price: r.price,
        compare_at_price: r.compare_at_price,
        cost_price: r.cost_price,
        weight_grams: r.weight_grams,
    };
    let product = state
        .catalog
        .update_variant(id, vid, patch, &admin.author())
        .await?;
    Ok(HttpResponse::Ok().json(product_response(product, Audience::Admin)))
}

/// Removes a variant (never the last one).
#[utoipa::path(delete, path = "/api/v1/products/{id}/variants/{variant_id}", tag = "catalog",
    security(("bearer" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path), ("variant_id" = uuid::Uuid, Path)),
    responses((status = 204, description = "removed"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[delete("/products/{id}/variants/{variant_id}")]
pub async fn remove_variant(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, vid) = ids(&path)?;
    state
        .catalog
        .remove_variant(id, vid, &admin.author())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
