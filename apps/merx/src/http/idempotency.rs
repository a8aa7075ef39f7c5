//! `Idempotency-Key` (spec §1) on the POSTs that create or pay: the same key with the same
//! body gets the first answer again (`Idempotent-Replayed: true`), with another body 422
//! `idempotency_key_reused`, and while the first is still running 409 `idempotency_conflict`.
//! Only successful answers are kept: after an error the key is free, so a retry runs again.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use merx_cart::CartCaller;
use merx_identity::Principal;
use merx_kernel::idempotency::{IDEMPOTENCY_KEY_HOURS, IDEMPOTENCY_LEASE_SECONDS};
use merx_kernel::{IdempotencyClaim, StoredResponse, ValidationErrors};

use crate::http::error::ApiError;
use crate::http::extract::Authenticated;
use crate::state::AppState;

pub const HEADER: &str = "Idempotency-Key";

/// A JSON answer an idempotent route gives; kept so it can be given again.
pub struct Answer {
    pub status: StatusCode,
    pub body: serde_json::Value,
}

impl Answer {
    pub fn new(status: StatusCode, body: &impl serde::Serialize) -> Result<Self, ApiError> {
        Ok(Self {
            status,
            body: serde_json::to_value(body).map_err(|_| ApiError::internal())?,
        })
    }
}

fn respond(status: StatusCode, body: String, replayed: bool) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")));
    if replayed {
        res.insert_header(("Idempotent-Replayed", "true"));
    }
    res.body(body)
}

fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(raw) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    match raw.to_str().map(str::trim) {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        _ => Err(ApiError::validation(&ValidationErrors::single(
            HEADER,
            "must be 1 to 255 visible ASCII characters",
        ))),
    }
}

/// Runs `work` once per key (without a key, every time). The caller (user, API key, guest
/// session, and `proof` such as the hash of a guest's order token) scopes keys, so an answer
/// is only ever replayed to whoever could have had it first.
pub async fn once<F, Fut>(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    caller: &CartCaller,
    proof: Option<&str>,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Answer, ApiError>>,
{
    let key = key_of(req)?;
    let api_key = req
        .extensions()
        .get::<Authenticated>()
        .and_then(|a| match &a.0 {
            Principal::ApiKey { id } => Some(*id),
            Principal::User { .. } => None,
        });
    // Spec §17: a key belongs to its caller. A caller who is nobody in particular (no user, API
    // key or session) has no scope to replay in: their requests simply run.
    let who = match (&caller.user, api_key, &caller.session) {
        (Some(user), _, _) => Some(format!("user:{user}")),
        (None, Some(api_key), _) => Some(format!("api_key:{api_key}")),
        (None, None, Some(session)) => Some(format!("session:{session}")),
        (None, None, None) => None,
    };
    let (Some(key), Some(who)) = (key, who) else {
        let answer = work().await?;
        return Ok(respond(answer.status, answer.body.to_string(), false));
    };
    let who = match proof {
        Some(p) => format!("{who} {p}"),
        None => who,
    };
    // Ids in paths are UUIDs: any letter case names the same resource.
    let scope = format!("{} {} {who}", req.method(), req.path().to_ascii_lowercase());
    let fingerprint = merx_identity::hash_secret(&String::from_utf8_lossy(body));
    let now = state.clock.now();
    let claim = state
        .idempotency
        .claim(
            &scope,
            &key,
            fingerprint.as_str(),
            now,
            now + chrono::Duration::seconds(IDEMPOTENCY_LEASE_SECONDS),
        )
        .await?;
    match claim {
        IdempotencyClaim::Replay(stored) => Ok(respond(
            StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK),
            stored.body,
            true,
        )),
        IdempotencyClaim::InProgress => Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_conflict",
            "a request with this Idempotency-Key is still being processed; retry shortly",
        )),
        IdempotencyClaim::Reused => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request",
        )),
        IdempotencyClaim::Claimed => match work().await {
            Ok(answer) => {
                let body = answer.body.to_string();
                let stored = StoredResponse {
                    status: answer.status.as_u16(),
                    body: body.clone(),
                };
                let keep = state.clock.now() + chrono::Duration::hours(IDEMPOTENCY_KEY_HOURS);
                // The work is done: its answer goes out even if it cannot be kept (then the
                // lease runs out and the key is free again).
                if let Err(e) = state
                    .idempotency
                    .complete(&scope, &key, &stored, keep)
                    .await
                {
                    tracing::error!(error = %e, "idempotency answer not kept");
                }
                Ok(respond(answer.status, body, false))
            }
            Err(e) => {
                state.idempotency.abandon(&scope, &key).await?;
                Err(e)
            }
        },
    }
}
