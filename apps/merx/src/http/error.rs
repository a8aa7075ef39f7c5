//! The one error type of the HTTP layer and the spec's error body:
//! `{"error", "message", "details", "request_id", "timestamp"}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use merx_catalog::CatalogError;
use merx_identity::IdentityError;
use merx_inventory::InventoryError;
use merx_kernel::{StoreError, ValidationErrors};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

tokio::task_local! {
    /// The current request's id, set by the request middleware around each request.
    pub static REQUEST_ID: String;
}

/// The current request id, or a fresh one outside a request.
#[must_use]
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| new_request_id())
}

#[must_use]
pub fn new_request_id() -> String {
    format!("req_{}", uuid::Uuid::new_v4().simple())
}

/// An error as the client sees it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

/// The error body of every non-2xx answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `validation_error`.
    #[schema(example = "validation_error")]
    pub error: String,
    pub message: String,
    /// Extra facts; for `validation_error`, `{"fields": [{"field", "message"}]}`.
    #[schema(value_type = Object)]
    pub details: Value,
    #[schema(example = "req_4f1c2b9e0c7d4a3e8f6b5a4d3c2b1a09")]
    pub request_id: String,
    pub timestamp: chrono::DateTime<chrono::Utc>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    #[must_use]
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "authentication_required",
            "authentication required",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "you are not allowed to do this",
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    #[must_use]
    pub fn validation(errors: &ValidationErrors) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_error",
            "the request has invalid fields",
        )
        .with_details(json!({ "fields": errors.fields }))
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side",
        )
    }

    /// A body for an error status that came from outside our handlers (the router, actix
    /// extractors, CORS) so that every error has the same shape.
    #[must_use]
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status.as_u16() {
            400 => ("bad_request", "the request is malformed"),
            401 => ("authentication_required", "authentication required"),
            403 => ("forbidden", "you are not allowed to do this"),
            404 => ("not_found", "no such resource"),
            405 => (
                "method_not_allowed",
                "this method is not allowed on this resource",
            ),
            408 => ("request_timeout", "the request took too long"),
            413 => ("payload_too_large", "the request body is too large"),
            415 => (
                "unsupported_media_type",
                "send JSON with Content-Type: application/json",
            ),
            429 => ("rate_limit_exceeded", "too many requests"),
            503 => ("service_unavailable", "the service is unavailable"),
            s if s >= 500 => ("internal_error", "something went wrong on our side"),
            _ => ("bad_request", "the request was not accepted"),
        };
        Self::new(status, code, message)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.code.to_owned(),
            message: self.message.clone(),
            details: self.details.clone().unwrap_or_else(|| json!({})),
            request_id: current_request_id(),
            timestamp: chrono::Utc::now(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(self.body())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        // The cause is for operators; the client gets a generic body with the request id.
        tracing::error!(error = %e, source = ?std::error::Error::source(&e), "store failure");
        match e {
            StoreError::Unavailable(_) => Self::from_status(StatusCode::SERVICE_UNAVAILABLE),
            StoreError::Other(_) => Self::internal(),
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        Self::validation(&e)
    }
}

impl From<CatalogError> for ApiError {
    fn from(e: CatalogError) -> Self {
        match e {
            CatalogError::Validation(v) => Self::validation(&v),
            CatalogError::ProductNotFound => Self::new(
                StatusCode::NOT_FOUND,
                "product_not_found",
                "product not found",
            ),
            CatalogError::VariantNotFound => Self::not_found("variant not found"),
            CatalogError::SlugTaken(slug) => Self::new(
                StatusCode::CONFLICT,
                "slug_taken",
                format!("the slug `{slug}` is taken"),
            )
            .with_details(json!({ "slug": slug })),
            CatalogError::SkuTaken(sku) => Self::new(
                StatusCode::CONFLICT,
                "sku_taken",
                format!("the SKU `{sku}` is taken"),
            )
            .with_details(json!({ "sku": sku })),
            CatalogError::LastVariant => Self::new(
                StatusCode::CONFLICT,
                "last_variant",
                "a product keeps at least one variant; delete the product instead",
            ),
            CatalogError::Stock(e) => e.into(),
            CatalogError::Store(s) => s.into(),
        }
    }
}

impl From<InventoryError> for ApiError {
    fn from(e: InventoryError) -> Self {
        match e {
            InventoryError::NegativeStock { on_hand, .. } => {
                Self::validation(&ValidationErrors::single(
                    "inventory_count",
                    format!("stock cannot go below zero (on hand: {on_hand})"),
                ))
            }
            InventoryError::NotFound => Self::not_found("no stock record for this variant"),
            InventoryError::Validation(v) => Self::validation(&v),
            InventoryError::Store(s) => s.into(),
        }
    }
}

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> Self {
        match e {
            IdentityError::Validation(v) => Self::validation(&v),
            IdentityError::EmailTaken => Self::new(
                StatusCode::CONFLICT,
                "email_taken",
                "an account with this email already exists",
            ),
            IdentityError::InvalidCredentials => Self::new(
                StatusCode::UNAUTHORIZED,
                "authentication_required",
                "invalid email or password",
            ),
            IdentityError::Unauthenticated => Self::unauthenticated(),
            IdentityError::AccountDisabled => Self::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this account is disabled",
            ),
            IdentityError::Forbidden => Self::forbidden(),
            IdentityError::NotFound(what) => Self::not_found(format!("{what} not found")),
            IdentityError::Store(s) => s.into(),
            e @ (IdentityError::Hashing(_) | IdentityError::Token(_)) => {
                tracing::error!(error = %e, "identity failure");
                Self::internal()
            }
        }
    }
}
