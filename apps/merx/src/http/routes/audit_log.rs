//! `GET /admin/audit-log` (spec §16): the entries of admin and API-key writes, newest first.

use actix_web::{HttpRequest, HttpResponse, get, web};
use merx_kernel::audit::AuditQuery;
use merx_kernel::{ValidationErrors, has_control_chars};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::bodies::audit_entry::AuditEntryBody;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Paging};
use crate::http::page::PageBody;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditLogQuery {
    /// The id of the user or API key that wrote.
    pub actor_id: Option<String>,
    /// `product`, `variant`, `order`, `discount`, `tax_rate`, `shipping_zone`, `api_key`, `user`.
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// `product.update`, `stock.adjust`, `order.refund`, …
    pub action: Option<String>,
    /// Entries at or after this instant (RFC 3339).
    #[param(format = DateTime)]
    pub since: Option<String>,
}

/// Longest filter value taken; ids and action names are far shorter.
const MAX_FILTER: usize = 200;

fn query_of(q: AuditLogQuery) -> Result<AuditQuery, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut text = |field: &str, v: Option<String>| {
        v.filter(|s| {
            let ok = s.chars().count() <= MAX_FILTER && !has_control_chars(s);
            if !ok {
                errors.add(field, format!("must be at most {MAX_FILTER} characters"));
            }
            ok
        })
    };
    let query = AuditQuery {
        actor_id: text("actor_id", q.actor_id),
        target_type: text("target_type", q.target_type),
        target_id: text("target_id", q.target_id),
        action: text("action", q.action),
        since: None,
    };
    let since = match q.since.as_deref().map(chrono::DateTime::parse_from_rfc3339) {
        None => None,
        Some(Ok(t)) => Some(t.with_timezone(&chrono::Utc)),
        Some(Err(_)) => {
            errors.add("since", "must be an RFC 3339 date-time");
            None
        }
    };
    errors.into_result()?;
    Ok(AuditQuery { since, ..query })
}

/// The audit log, newest first, filtered by every given parameter (admin).
#[utoipa::path(get, path = "/api/v1/admin/audit-log", tag = "admin",
    security(("bearer" = []), ("api_key" = [])),
    params(AuditLogQuery, crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<AuditEntryBody>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, description = "validation_error", body = ErrorBody)))]
#[get("/admin/audit-log")]
pub async fn list(
    state: web::Data<AppState>,
    _admin: Admin,
    paging: Paging,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: AuditLogQuery = crate::http::extract::query(req.query_string())?;
    let query = query_of(q).map_err(|e| ApiError::validation(&e))?;
    let page = state.audit_log.list(&query, paging.0).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(page, AuditEntryBody::from)))
}
