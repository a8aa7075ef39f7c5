//! Request extractors that answer in the spec's error shape: JSON bodies (400 for malformed
//! JSON, 422 with the offending field for wrong types or missing fields), the authenticated
//! caller, and typed path ids.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use merx_identity::Principal;
use merx_kernel::{Author, PageRequest, ValidationErrors};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

use crate::http::error::{ApiError, current_request_id};
use crate::state::AppState;

type LocalFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// A JSON request body.
pub struct Json<T>(pub T);

/// Reads an already parsed JSON value (a merged PATCH body) as `T`; shape errors are 422s
/// naming the field, as for [`parse_json`].
///
/// # Errors
/// The [`ApiError`] to answer with.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| shape_error(&e))
}

/// A 422 naming the field whose value has the wrong shape (or is missing).
fn shape_error(e: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    // serde_json appends " at line L column C"; the client wants the reason alone.
    let full = e.inner().to_string();
    let message = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m)
        .to_owned();
    // serde reports a missing field at its parent's path; name the field itself.
    let missing = message
        .strip_prefix("missing field `")
        .map(|rest| rest.trim_end_matches('`'));
    let field = match (path.as_str(), missing) {
        (".", Some(name)) => name.to_owned(),
        (p, Some(name)) => format!("{p}.{name}"),
        (".", None) => "body".to_owned(),
        (p, None) => p.to_owned(),
    };
    ApiError::validation(&ValidationErrors::single(field, message))
}

/// Parses JSON, telling syntax errors (400) from shape errors (422 naming the field).
///
/// # Errors
/// The [`ApiError`] to answer with.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::bad_request(format!("malformed JSON: {inner}"));
        }
        shape_error(&e)
    })?;
    // Anything but whitespace after the value makes the body malformed, not "valid plus junk".
    de.end()
        .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// Whether the request says its body is JSON (or says nothing, which we accept as JSON).
fn is_json(req: &HttpRequest) -> bool {
    match req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(ct) => {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json")
        }
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::from_status(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ));
            }
            let bytes = bytes
                .await
                .map_err(|e| ApiError::from_status(e.as_response_error().status_code()))?;
            parse_json(&bytes).map(Json)
        })
    }
}

/// The caller the rate-limit middleware already authenticated for this request, so its
/// credentials (an API key: a database lookup) are checked once.
#[derive(Clone)]
pub struct Authenticated(pub Principal);

/// The authenticated caller: a bearer access token, or an admin `X-Api-Key`.
pub struct Caller(pub Principal);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        if let Some(Authenticated(principal)) = req.extensions().get::<Authenticated>().cloned() {
            return Box::pin(async move { Ok(Self(principal)) });
        }
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let credentials = Credentials::of(req);
        let req = req.clone();
        Box::pin(async move {
            let state = state.ok_or_else(ApiError::internal)?;
            let principal = credentials
                .authenticate(&state)
                .await?
                .ok_or_else(ApiError::unauthenticated)?;
            // Later extractors of this request reuse it: one lookup per request.
            req.extensions_mut()
                .insert(Authenticated(principal.clone()));
            Ok(Self(principal))
        })
    }
}

/// The credentials a request carries: a bearer access token, else an `X-Api-Key`.
pub enum Credentials {
    Bearer(String),
    ApiKey(String),
    None,
}

impl Credentials {
    #[must_use]
    pub fn of(req: &HttpRequest) -> Self {
        let headers = req.headers();
        if let Some(token) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
        {
            return Self::Bearer(token.trim().to_owned());
        }
        headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map_or(Self::None, |k| Self::ApiKey(k.to_owned()))
    }

    /// Who these credentials name, with the powers their account has now (an admin's role
    /// and active flag are read from the store at every request, spec §17).
    ///
    /// # Errors
    /// 401 for bad credentials; 503 when the store cannot be reached.
    pub async fn authenticate(&self, state: &AppState) -> Result<Option<Principal>, ApiError> {
        Ok(match self {
            Self::Bearer(token) => {
                let claimed = state.auth.authenticate(token)?;
                Some(state.auth.current(claimed).await?)
            }
            Self::ApiKey(key) => Some(state.api_keys.authenticate(key).await?),
            Self::None => None,
        })
    }
}

/// The caller if credentials were sent (bad credentials are still a 401), or nobody.
pub struct MaybeCaller(pub Option<Principal>);

impl MaybeCaller {
    #[must_use]
    pub fn is_admin(&self) -> bool {
        self.0.as_ref().is_some_and(Principal::is_admin)
    }

    /// Who the audit log names for this caller's writes (nobody for guests and customers).
    #[must_use]
    pub fn author(&self) -> Author {
        self.0
            .as_ref()
            .map_or(Author::System, |p| p.author(current_request_id()))
    }
}

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let has_credentials = req.headers().contains_key(header::AUTHORIZATION)
            || req.headers().contains_key("x-api-key");
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            if has_credentials {
                Ok(Self(Some(caller.await?.0)))
            } else {
                Ok(Self(None))
            }
        })
    }
}

/// An authenticated admin (role admin, or an API key); 403 for anyone else.
pub struct Admin(pub Principal);

impl Admin {
    /// The author of this admin's writes in this request, for the audit log.
    #[must_use]
    pub fn author(&self) -> Author {
        self.0.author(current_request_id())
    }
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalFuture<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let caller = Caller::from_request(req, payload);
        Box::pin(async move {
            let Caller(principal) = caller.await?;
            if principal.is_admin() {
                Ok(Self(principal))
            } else {
                Err(ApiError::forbidden())
            }
        })
    }
}

/// `?page=&page_size=` (or `limit=`, its alias) for list endpoints; 422 naming the parameter
/// when one is not a whole number in range.
pub struct Paging(pub PageRequest);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PagingParams {
    /// Page number, from 1 (default 1).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 4294967295_i64)]
    pub page: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub page_size: Option<String>,
    /// Alias of `page_size`.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

impl FromRequest for Paging {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(paging(req.query_string()).map(Self))
    }
}

/// A query string as `T`. A parameter sent empty (`?page=&sort_by=`, what many form-built
/// clients send for "no value") counts as not sent.
///
/// # Errors
/// A validation error naming `query` when it does not fit `T`.
pub fn query<T: DeserializeOwned>(query_string: &str) -> Result<T, ApiError> {
    let invalid = |e: &dyn std::fmt::Display| {
        ApiError::validation(&ValidationErrors::single("query", e.to_string()))
    };
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query_string).map_err(|e| invalid(&e))?;
    let given: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    let kept = serde_urlencoded::to_string(given).map_err(|e| invalid(&e))?;
    serde_urlencoded::from_str(&kept).map_err(|e| invalid(&e))
}

fn paging(query_string: &str) -> Result<PageRequest, ApiError> {
    let params: PagingParams = query(query_string)?;
    let mut errors = ValidationErrors::new();
    let mut number = |field: &str, raw: Option<String>| {
        raw.and_then(|v| {
            errors.check(
                field,
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| "must be a whole number"),
            )
        })
    };
    let page = number("page", params.page);
    let page_size = number("page_size", params.page_size.or(params.limit));
    errors.into_result()?;
    Ok(PageRequest::new(page, page_size)?)
}

/// A yes/no query parameter (`true`/`1`, `false`/`0`); a field error for anything else.
pub fn flag(e: &mut ValidationErrors, field: &str, v: Option<String>) -> Option<bool> {
    v.and_then(|v| match v.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => {
            e.add(field, "must be true or false");
            None
        }
    })
}

/// A UUID path segment named `name`; 422 naming the parameter when it is not a UUID.
///
/// # Errors
/// A validation error for a malformed id.
pub fn path_id<T: From<uuid::Uuid>>(raw: &str, name: &str) -> Result<T, ApiError> {
    uuid::Uuid::parse_str(raw)
        .map(T::from)
        .map_err(|_| ApiError::validation(&ValidationErrors::single(name, "must be a UUID")))
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::http::routes::checkout_sessions::CreateSessionRequest;

    proptest! {
        /// Any bytes at all become a value or a 4xx, never a panic.
        #[test]
        fn any_body_is_a_value_or_a_client_error(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            if let Err(e) = parse_json::<CreateSessionRequest>(&bytes) {
                prop_assert!(e.status.is_client_error());
            }
            if let Err(e) = parse_json::<serde_json::Value>(&bytes) {
                prop_assert_eq!(e.status.as_u16(), 400);
            }
        }

        /// JSON of the wrong shape is a 422 naming where, never a panic.
        #[test]
        fn any_json_is_a_session_request_or_a_client_error(
            cart in any::<Option<u64>>(), method in ".{0,20}", extra in any::<Option<i64>>(),
        ) {
            let body = serde_json::json!({"cart_id": cart, "payment_method": method, "mode": extra});
            if let Err(e) = parse_json::<CreateSessionRequest>(body.to_string().as_bytes()) {
                prop_assert!(e.status.is_client_error());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_junk_after_json_is_malformed() {
        let err = parse_json::<serde_json::Value>(br#"{"a": 1} junk"#).expect_err("junk");
        assert_eq!(err.status.as_u16(), 400);
        assert!(parse_json::<serde_json::Value>(b"{\"a\": 1}  \n").is_ok());
    }

    #[test]
    fn paging_reads_page_page_size_and_the_limit_alias() {
        let p = paging("page=2&limit=5").expect("valid");
        assert_eq!((p.page(), p.page_size()), (2, 5));
        let p = paging("").expect("defaults");
        assert_eq!((p.page(), p.page_size()), (1, 20));
        let p = paging("page=&page_size=%20&limit=").expect("empty is absent");
        assert_eq!((p.page(), p.page_size()), (1, 20));
        let err = paging("page=abc&page_size=1000").expect_err("invalid");
        assert_eq!(err.status.as_u16(), 422);
        let fields = err.details.expect("details")["fields"].clone();
        assert_eq!(fields[0]["field"], "page");
        let err = paging("page_size=1000").expect_err("too big");
        assert_eq!(
            err.details.expect("details")["fields"][0]["field"],
            "page_size"
        );
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        quantity: u8,
    }

    fn details(e: &ApiError) -> serde_json::Value {
        e.details.clone().unwrap_or_default()
    }

    #[test]
    fn malformed_json_is_a_400() {
        let err = parse_json::<Body>(b"{\"email\": ").expect_err("malformed");
        assert_eq!((err.status.as_u16(), err.code), (400, "bad_request"));
    }

    #[test]
    fn a_missing_field_is_a_422_naming_it() {
        let err = parse_json::<Body>(br#"{"quantity": 1}"#).expect_err("missing");
        assert_eq!((err.status.as_u16(), err.code), (422, "validation_error"));
        assert_eq!(details(&err)["fields"][0]["field"], "email");
    }

    #[test]
    fn a_wrong_type_is_a_422_naming_the_field() {
        let err = parse_json::<Body>(br#"{"email": "a@b.c", "quantity": "lots"}"#)
            .expect_err("wrong type");
        assert_eq!(err.status.as_u16(), 422);
        assert_eq!(details(&err)["fields"][0]["field"], "quantity");
    }
}
