//! `GET /admin/outbox` and `POST /admin/outbox/{id}/retry` (spec §13): what is waiting to
//! reach WooCommerce or a customer's inbox, what keeps failing and why, and a retry by hand.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use merx_kernel::ValidationErrors;
use merx_kernel::outbox::{OutboxMessage, OutboxView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Paging, path_id};
use crate::http::page::PageBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending` (not tried yet), `failed` (tried, will be tried again), `dead` (out of
    /// attempts), `delivered`.
    pub status: Option<String>,
}

/// One message: `kind` is its topic (`woocommerce.order`, `email.order`), `target` our object.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessageBody {
    pub id: uuid::Uuid,
    #[schema(example = "woocommerce.order")]
    pub kind: String,
    pub target: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    #[schema(example = "failed")]
    pub status: &'static str,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<OutboxMessage> for OutboxMessageBody {
    fn from(m: OutboxMessage) -> Self {
        let view = OutboxView::of(&m);
        Self {
            id: m.id,
            status: view.as_str(),
            next_attempt_at: matches!(view, OutboxView::Pending | OutboxView::Failed)
                .then_some(m.next_attempt_at),
            kind: m.topic,
            target: m.key,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
            delivered_at: m.delivered_at,
        }
    }
}

/// The outbox, newest first (admin).
#[utoipa::path(get, path = "/api/v1/admin/outbox", tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(OutboxQuery, crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<OutboxMessageBody>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, description = "validation_error", body = ErrorBody)))]
#[get("/admin/outbox")]
pub async fn list(
    state: web::Data<AppState>,
    _admin: Admin,
    paging: Paging,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: OutboxQuery = crate::http::extract::query(req.query_string())?;
    let view = match q.status.as_deref() {
        None => None,
        Some(s) => Some(OutboxView::parse(s).ok_or_else(|| {
            ValidationErrors::single("status", "must be pending, failed, dead or delivered")
        })?),
    };
    let page = state.outbox.list(view, paging.0).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(page, OutboxMessageBody::from)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetriedBody {
    pub id: uuid::Uuid,
    pub retried: bool,
}

/// Makes a pending, failed or dead message due now with a new budget of attempts (admin).
#[utoipa::path(post, path = "/api/v1/admin/outbox/{id}/retry", tag = "admin",
    security(("bearer" = []), ("api_key" = [])), params(("id" = uuid::Uuid, Path)),
    responses((status = 202, body = RetriedBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, description = "not_found (unknown or already delivered)", body = ErrorBody),
              (status = 422, description = "validation_error", body = ErrorBody)))]
#[post("/admin/outbox/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: uuid::Uuid = path_id(&path, "id")?;
    if !state.outbox.retry_now(id, state.clock.now()).await? {
        return Err(ApiError::not_found(
            "no pending, failed or dead message with this id",
        ));
    }
    Ok(HttpResponse::Accepted().json(RetriedBody { id, retried: true }))
}
