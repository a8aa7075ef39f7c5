//! Who is asking for a cart: the signed-in user (if any) and the guest `X-Session-ID`.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use merx_cart::CartCaller;
use merx_kernel::ValidationErrors;

use crate::http::error::ApiError;
use crate::http::extract::MaybeCaller;

pub const SESSION_HEADER: &str = "X-Session-ID";

/// The caller as carts see it, and the signed-in user's e-mail (checkout uses it for
/// receipts). A malformed `X-Session-ID` is a 422.
pub struct CartActor(pub CartCaller, pub Option<String>);

/// A session id clients may choose: 8 to 128 of letters, digits, `-`, `_` and `.`.
fn sane_session(raw: &str) -> bool {
    (8..=128).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A fresh guest session id for a caller who sent none.
#[must_use]
pub fn new_session_id() -> String {
    format!("sess_{}", uuid::Uuid::new_v4().simple())
}

/// The request's `X-Session-ID`, when present and well-formed.
///
/// # Errors
/// 422 for a malformed one.
pub fn session_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(SESSION_HEADER) else {
        return Ok(None);
    };
    match value.to_str().map(str::trim) {
        Ok(v) if sane_session(v) => Ok(Some(v.to_owned())),
        _ => Err(ApiError::validation(&ValidationErrors::single(
            SESSION_HEADER,
            "must be 8 to 128 of letters, digits, -, _ and .",
        ))),
    }
}

impl FromRequest for CartActor {
    type Error = ApiError;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = session_of(req);
        let caller = MaybeCaller::from_request(req, payload);
        Box::pin(async move {
            let session = session?;
            let caller = caller.await?;
            let email = match &caller.0 {
                Some(merx_identity::Principal::User { email, .. }) => {
                    Some(email.as_str().to_owned())
                }
                _ => None,
            };
            Ok(Self(
                CartCaller {
                    user: caller
                        .0
                        .as_ref()
                        .and_then(merx_identity::Principal::user_id),
                    session,
                    is_admin: caller.is_admin(),
                },
                email,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_plain_tokens() {
        assert!(sane_session("sess_0123456789abcdef"));
        assert!(sane_session(&new_session_id()));
        assert!(!sane_session("short"));
        assert!(!sane_session("has space in it"));
        assert!(!sane_session(&"x".repeat(129)));
    }
}
