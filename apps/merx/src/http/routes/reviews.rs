//! Product reviews (spec §18): customers write, edit and delete their own; everyone reads the
//! published ones; admins moderate.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use merx_kernel::{ProductId, ValidationErrors};
use merx_reviews::{
    ReviewDraft, ReviewEdit, ReviewFilter, ReviewId, ReviewSort, ReviewStatus, Reviewer,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::http::bodies::review::ReviewBody;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Caller, Json, Paging, flag, path_id};
use crate::http::page::PageBody;
use crate::http::patch::double_option;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateReviewRequest {
    /// 1 to 5.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    /// At most 120 characters.
    #[schema(max_length = 120)]
    pub title: Option<String>,
    /// 1 to 5000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatusBody {
    Published,
    Pending,
    Rejected,
}

impl From<ReviewStatusBody> for ReviewStatus {
    fn from(s: ReviewStatusBody) -> Self {
        match s {
            ReviewStatusBody::Published => Self::Published,
            ReviewStatusBody::Pending => Self::Pending,
            ReviewStatusBody::Rejected => Self::Rejected,
        }
    }
}

/// The author edits `rating`, `title` (`null` removes it) and `body`; an admin sets `status`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateReviewRequest {
    #[schema(minimum = 1, maximum = 5)]
    pub rating: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, max_length = 120)]
    pub title: Option<Option<String>>,
    #[schema(min_length = 1, max_length = 5000)]
    pub body: Option<String>,
    /// Admins only.
    pub status: Option<ReviewStatusBody>,
}

/// Query parameters of a product's reviews.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductReviewsQuery {
    /// Only reviews with this many stars.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 5)]
    pub rating: Option<String>,
    /// Only reviews of (or not of) a verified purchase.
    #[param(value_type = Option<bool>)]
    pub verified: Option<String>,
    /// `newest` (default), `oldest`, `rating_desc` or `rating_asc`.
    #[param(pattern = "^(newest|oldest|rating_desc|rating_asc)$")]
    pub sort: Option<String>,
}

/// Query parameters of the admin's review list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminReviewsQuery {
    /// `published`, `pending` or `rejected`.
    #[param(pattern = "^(published|pending|rejected)$")]
    pub status: Option<String>,
    pub product_id: Option<uuid::Uuid>,
}

fn public_filter(q: ProductReviewsQuery) -> Result<ReviewFilter, ApiError> {
    let mut e = ValidationErrors::new();
    let rating = q.rating.and_then(|r| match r.trim().parse::<u8>() {
        Ok(n @ 1..=5) => Some(n),
        _ => {
            e.add("rating", "must be a whole number from 1 to 5");
            None
        }
    });
    let verified = flag(&mut e, "verified", q.verified);
    let sort = match q.sort.as_deref().map(str::trim) {
        None | Some("newest") => ReviewSort::Newest,
        Some("oldest") => ReviewSort::Oldest,
        Some("rating_desc") => ReviewSort::RatingDesc,
        Some("rating_asc") => ReviewSort::RatingAsc,
        Some(_) => {
            e.add("sort", "must be newest, oldest, rating_desc or rating_asc");
            ReviewSort::Newest
        }
    };
    e.into_result()?;
    Ok(ReviewFilter {
        rating,
        verified,
        sort,
        ..ReviewFilter::default()
    })
}

/// Writes the caller's review of a product (one per customer and product).
#[utoipa::path(post, path = "/api/v1/products/{id}/reviews", tag = "reviews",
    security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), request_body = CreateReviewRequest,
    responses((status = 201, body = ReviewBody), (status = 401, body = ErrorBody),
              (status = 403, description = "an API key is nobody's author", body = ErrorBody),
              (status = 404, description = "product_not_found", body = ErrorBody),
              (status = 409, description = "review_exists", body = ErrorBody),
              (status = 422, description = "validation_error", body = ErrorBody)))]
#[post("/products/{id}/reviews")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<CreateReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let product: ProductId = path_id(&id, "id")?;
    let Json(b) = body;
    let review = state
        .reviews
        .create(
            Reviewer::of(&caller.0),
            product,
            ReviewDraft {
                rating: b.rating,
                title: b.title,
                body: b.body,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(ReviewBody::from(review)))
}

/// The published reviews of a product.
#[utoipa::path(get, path = "/api/v1/products/{id}/reviews", tag = "reviews",
    params(("id" = uuid::Uuid, Path), ProductReviewsQuery, crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<ReviewBody>),
              (status = 404, description = "product_not_found", body = ErrorBody),
              (status = 422, description = "validation_error", body = ErrorBody)))]
#[get("/products/{id}/reviews")]
pub async fn list_for_product(
    state: web::Data<AppState>,
    id: web::Path<String>,
    paging: Paging,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let product: ProductId = path_id(&id, "id")?;
    let filter = public_filter(crate::http::extract::query(req.query_string())?)?;
    let page = state.reviews.published(product, filter, paging.0).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(page, ReviewBody::from)))
}

/// Edits a review: its author the text, an admin the status.
#[utoipa::path(patch, path = "/api/v1/reviews/{id}", tag = "reviews",
    security(("bearer" = []), ("api_key" = [])), params(("id" = uuid::Uuid, Path)),
    request_body = UpdateReviewRequest,
    responses((status = 200, body = ReviewBody), (status = 401, body = ErrorBody),
              (status = 403, description = "not the author (or a customer setting a status)", body = ErrorBody),
              (status = 404, body = ErrorBody),
              (status = 422, description = "validation_error", body = ErrorBody)))]
#[patch("/reviews/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: Json<UpdateReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let id: ReviewId = path_id(&id, "id")?;
    let Json(b) = body;
    let review = state
        .reviews
        .edit(
            Reviewer::of(&caller.0),
            id,
            ReviewEdit {
                rating: b.rating,
                title: b.title,
                body: b.body,
                status: b.status.map(ReviewStatus::from),
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(ReviewBody::from(review)))
}

/// Deletes a review (its author or an admin).
#[utoipa::path(delete, path = "/api/v1/reviews/{id}", tag = "reviews",
    security(("bearer" = []), ("api_key" = [])), params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
#[delete("/reviews/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: ReviewId = path_id(&id, "id")?;
    state.reviews.delete(Reviewer::of(&caller.0), id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Every review, newest first (admin), e.g. those waiting: `?status=pending`.
#[utoipa::path(get, path = "/api/v1/admin/reviews", tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(AdminReviewsQuery, crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<ReviewBody>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, description = "validation_error", body = ErrorBody)))]
#[get("/admin/reviews")]
pub async fn admin_list(
    state: web::Data<AppState>,
    _admin: Admin,
    paging: Paging,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: AdminReviewsQuery = crate::http::extract::query(req.query_string())?;
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(ReviewStatus::parse(s.trim()).ok_or_else(|| {
            ValidationErrors::single("status", "must be published, pending or rejected")
        })?),
    };
    let filter = ReviewFilter {
        product_id: q.product_id.map(ProductId::from_uuid),
        status,
        ..ReviewFilter::default()
    };
    let page = state.reviews.all(filter, paging.0).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(page, ReviewBody::from)))
}
