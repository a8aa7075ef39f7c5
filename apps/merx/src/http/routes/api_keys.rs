//! `/admin/api-keys`: server-to-server admin credentials (`X-Api-Key`).

use actix_web::{HttpResponse, delete, get, post, web};
use merx_identity::{ApiKey, ApiKeyId};
use merx_kernel::Page;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Json, Paging, PagingParams, path_id};
use crate::http::page::PageBody;
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyResponse {
    pub id: uuid::Uuid,
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<ApiKey> for ApiKeyResponse {
    fn from(k: ApiKey) -> Self {
        Self {
            id: *k.id.as_uuid(),
            name: k.name,
            prefix: k.prefix,
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyCreatedResponse {
    #[serde(flatten)]
    pub key: ApiKeyResponse,
    /// The secret: shown this once, stored only as a hash.
    #[serde(rename = "key")]
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateApiKeyRequest {
    /// 1 to 100 characters, no control characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
}

/// Every API key, newest first, one page at a time (secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/admin/api-keys", tag = "admin", security(("bearer" = []), ("api_key" = [])),
    params(PagingParams),
    responses((status = 200, body = PageBody<ApiKeyResponse>), (status = 403, body = ErrorBody)))]
#[get("/admin/api-keys")]
pub async fn list(
    state: web::Data<AppState>,
    _admin: Admin,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let keys = state.api_keys.list().await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(
        Page::of_all(keys, paging.0),
        ApiKeyResponse::from,
    )))
}

/// Creates a key and shows its secret once.
#[utoipa::path(post, path = "/api/v1/admin/api-keys", tag = "admin", security(("bearer" = []), ("api_key" = [])),
    request_body = CreateApiKeyRequest,
    responses((status = 201, body = ApiKeyCreatedResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
#[post("/admin/api-keys")]
pub async fn create(
    state: web::Data<AppState>,
    admin: Admin,
    body: Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let created = state.api_keys.create(&body.0.name, &admin.author()).await?;
    Ok(HttpResponse::Created().json(ApiKeyCreatedResponse {
        key: created.key.into(),
        secret: created.secret,
    }))
}

/// Revokes a key at once.
#[utoipa::path(delete, path = "/api/v1/admin/api-keys/{id}", tag = "admin", security(("bearer" = []), ("api_key" = [])),
    params(("id" = uuid::Uuid, Path)),
    responses((status = 204, description = "revoked"), (status = 404, body = ErrorBody)))]
#[delete("/admin/api-keys/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: ApiKeyId = path_id(&id, "id")?;
    state.api_keys.revoke(id, &admin.author()).await?;
    Ok(HttpResponse::NoContent().finish())
}
