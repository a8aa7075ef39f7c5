//! Liveness, readiness and metrics (spec §9). Served at the root and under `/api/v1`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::{ApiError, ErrorBody};
use crate::metrics::Metrics;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `ok`
    pub status: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyResponse {
    /// `ready`, or `degraded` while Redis is unreachable (everything is still served; rate
    /// limits count in this instance alone).
    pub status: &'static str,
    /// `ok`, `unavailable` (the database), `degraded` (Redis) or `not_configured`, per backing
    /// service.
    pub checks: ReadyChecks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyChecks {
    pub database: &'static str,
    pub redis: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/health", tag = "operations", responses((status = 200, body = HealthResponse)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Postgres answers (when configured); otherwise 503 `service_unavailable` with
/// `details.checks`. An unreachable Redis is `degraded`, not unready.
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses((status = 200, body = ReadyResponse), (status = 503, body = ErrorBody)))]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let database = match &state.health.database {
        None => "not_configured",
        Some(pool) => match merx_postgres::ping(pool).await {
            Ok(()) => "ok",
            Err(e) => {
                tracing::warn!(error = %e, "readiness: database unavailable");
                "unavailable"
            }
        },
    };
    let redis = match &state.health.redis {
        None => "not_configured",
        Some(pool) => match merx_redis::ping(pool).await {
            Ok(()) => "ok",
            Err(e) => {
                tracing::warn!(error = %e, "readiness: redis unavailable, serving degraded");
                "degraded"
            }
        },
    };
    let checks = ReadyChecks { database, redis };
    // Redis holds only what may be lost: without it the instance still serves.
    if database == "unavailable" {
        // An error like any other: the spec's error body, with the checks in its details.
        let details = serde_json::json!({ "checks": checks });
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "a backing service is unreachable",
        )
        .with_details(details)
        .error_response();
    }
    HttpResponse::Ok().json(ReadyResponse {
        status: if redis == "degraded" {
            "degraded"
        } else {
            "ready"
        },
        checks,
    })
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(metrics: web::Data<Metrics>, state: web::Data<AppState>) -> HttpResponse {
    let mut body = metrics.render();
    // The business figures come from the store; without it the HTTP metrics still answer.
    match state.reports.counters().await {
        Ok(counters) => body.push_str(&crate::metrics::render_business(&counters)),
        Err(e) => tracing::warn!(error = %e, "business metrics unavailable"),
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
