//! The outermost middleware: request ids, the uniform error body, security headers, access
//! logs and metrics — for every response, including the router's and other middlewares' own.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

use crate::http::error::{ApiError, REQUEST_ID, new_request_id};
use crate::metrics::Metrics;

const REQUEST_ID_HEADER: &str = "x-request-id";

/// Keeps a client's id when it is short and plain, so ids can be followed across systems
/// without letting a client inject log noise.
fn sane_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    let ok = (1..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    ok.then(|| s.to_owned())
}

/// The method as metrics and logs name it: a standard one, else `OTHER` (spec §17: no client
/// text becomes a label, so made-up methods cannot grow the series without bound).
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method as M;
    match *method {
        M::GET => "GET",
        M::POST => "POST",
        M::PUT => "PUT",
        M::PATCH => "PATCH",
        M::DELETE => "DELETE",
        M::HEAD => "HEAD",
        M::OPTIONS => "OPTIONS",
        M::CONNECT => "CONNECT",
        M::TRACE => "TRACE",
        _ => "OTHER",
    }
}

/// # Errors
/// Only actix's own failures, passed through.
pub async fn around_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(sane_request_id)
        .unwrap_or_else(new_request_id);
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = method_label(req.method());
    let is_docs_page = req.path().starts_with("/api/docs") || req.path().starts_with("/api/redoc");

    let mut res = REQUEST_ID
        .scope(id.clone(), async move {
            // Inner layers answer errors as responses; an `Err` here is actix's own failure
            // and is left to actix to render.
            let res = next.call(req).await?.map_into_boxed_body();
            // Errors produced outside our handlers (unknown route, wrong method, actix
            // extractors, CORS) get the spec's JSON body too.
            let status = res.status();
            let is_json = res
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json"));
            if (status.is_client_error() || status.is_server_error()) && !is_json {
                let (req, _) = res.into_parts();
                Ok(ServiceResponse::new(
                    req,
                    ApiError::from_status(status).error_response(),
                ))
            } else {
                Ok::<_, actix_web::Error>(res)
            }
        })
        .await?;

    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    let security: [(&str, &str); 4] = [
        (
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ];
    for (name, value) in security {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if !is_docs_page {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }

    // A pattern of ours (a closed set), never the path itself.
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(m) = metrics {
        m.observe(method, &route, status, elapsed);
    }
    tracing::info!(
        request_id = %id,
        method = %method,
        route = %route,
        path = %res.request().path(),
        status,
        latency_ms = elapsed.as_micros() as u64 / 1000,
        "request"
    );
    Ok(res)
}
