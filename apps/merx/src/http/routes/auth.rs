//! `/auth/*`: accounts and sessions (spec §2, §11).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use merx_identity::{Registration, TokenPair};
use merx_kernel::ValidationErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::bodies::user::UserResponse;
use crate::http::cart_caller::session_of;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Caller, Json, parse_json};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(example = "ana@example.com")]
    pub email: String,
    /// At least 8 characters, at most 72 bytes.
    #[schema(min_length = 8)]
    pub password: String,
    pub full_name: Option<String>,
    pub phone: Option<String>,
}

/// JSON login. The same endpoint takes the OAuth2 password form `username=...&password=...`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: UserResponse,
}

impl From<TokenPair> for TokenResponse {
    fn from(p: TokenPair) -> Self {
        Self {
            access_token: p.access_token,
            refresh_token: p.refresh_token,
            token_type: "bearer",
            expires_in: p.expires_in,
            user: p.user.into(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordResetConfirm {
    pub token: String,
    /// At least 8 characters, at most 72 bytes.
    #[schema(min_length = 8)]
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyEmailConfirm {
    pub token: String,
}

/// Opens a customer account.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = UserResponse), (status = 409, description = "email_taken", body = ErrorBody),
              (status = 422, description = "validation_error", body = ErrorBody)))]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let Json(r) = body;
    let user = state
        .auth
        .register(Registration {
            email: r.email,
            password: r.password,
            full_name: r.full_name,
            phone: r.phone,
        })
        .await?;
    Ok(HttpResponse::Created().json(UserResponse::from(user)))
}

/// Signs in with JSON `{email, password}` or the OAuth2 form `{username, password}`. A wrong
/// email and a wrong password get the same 401.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body(content((LoginRequest = "application/json"), (LoginRequest = "application/x-www-form-urlencoded"))),
    responses((status = 200, body = TokenResponse), (status = 401, description = "authentication_required", body = ErrorBody),
              (status = 422, description = "validation_error", body = ErrorBody)))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let (email, password) = if is_form {
        login_form(&body)?
    } else {
        let json: LoginRequest = parse_json(&body)?;
        (json.email, json.password)
    };
    // A malformed X-Session-ID carries no cart; it never fails a sign-in.
    let guest = session_of(&req).ok().flatten();
    let signed_in = merx_cart::sign_in(
        &state.auth,
        &state.carts,
        &email,
        &password,
        guest.as_deref(),
    )
    .await?;
    if let Some(e) = signed_in.cart_not_merged {
        tracing::warn!(error = %e, "guest cart merge failed");
    }
    Ok(HttpResponse::Ok().json(TokenResponse::from(signed_in.tokens)))
}

/// The OAuth2 password form's `username` and `password`, each required.
fn login_form(body: &[u8]) -> Result<(String, String), ApiError> {
    let mut form: std::collections::HashMap<String, String> = serde_urlencoded::from_bytes(body)
        .map_err(|e| ApiError::validation(&ValidationErrors::single("body", e.to_string())))?;
    let mut errors = ValidationErrors::new();
    let mut take = |name: &str| {
        let value = form.remove(name);
        if value.is_none() {
            errors.add(name, "is required");
        }
        value.unwrap_or_default()
    };
    let (username, password) = (take("username"), take("password"));
    errors.into_result()?;
    Ok((username, password))
}

/// Exchanges a refresh token for a new pair. The old token is spent; presenting it again
/// revokes every token of its family.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "authentication_required", body = ErrorBody)))]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = state.auth.refresh(&body.0.refresh_token).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(pair)))
}

/// Ends the session the refresh token belongs to.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "signed out")))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    state.auth.logout(&body.0.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserResponse), (status = 401, description = "authentication_required", body = ErrorBody)))]
#[get("/auth/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let id = caller.0.user_id().ok_or_else(ApiError::forbidden)?;
    Ok(HttpResponse::Ok().json(UserResponse::from(state.auth.me(id).await?)))
}

/// Emails a reset token if the account exists. Always 202, so nobody learns which emails have
/// accounts: the lookup and the mail happen after the answer, so a known email takes no
/// longer to answer than an unknown one (spec §17).
#[utoipa::path(post, path = "/api/v1/auth/password-reset/request", tag = "auth", request_body = PasswordResetRequest,
    responses((status = 202, description = "accepted")))]
#[post("/auth/password-reset/request")]
pub async fn password_reset_request(
    state: web::Data<AppState>,
    body: Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = body.0.email;
    let state = state.into_inner();
    actix_web::rt::spawn(async move {
        if let Err(e) = state.auth.request_password_reset(&email).await {
            tracing::error!(error = %e, "password reset not sent");
        }
    });
    Ok(HttpResponse::Accepted().finish())
}

/// Sets a new password with an emailed token; every session of the account is signed out.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = PasswordResetConfirm,
    responses((status = 204, description = "password changed"), (status = 422, description = "validation_error", body = ErrorBody)))]
#[post("/auth/password-reset/confirm")]
pub async fn password_reset_confirm(
    state: web::Data<AppState>,
    body: Json<PasswordResetConfirm>,
) -> Result<HttpResponse, ApiError> {
    let Json(r) = body;
    state
        .auth
        .confirm_password_reset(&r.token, r.new_password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Emails a verification token to the signed-in user.
#[utoipa::path(post, path = "/api/v1/auth/verify-email/request", tag = "auth", security(("bearer" = [])),
    responses((status = 202, description = "accepted"), (status = 401, description = "authentication_required", body = ErrorBody)))]
#[post("/auth/verify-email/request")]
pub async fn verify_email_request(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let id = caller.0.user_id().ok_or_else(ApiError::forbidden)?;
    state.auth.request_email_verification(id).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Marks the email verified with an emailed token.
#[utoipa::path(post, path = "/api/v1/auth/verify-email/confirm", tag = "auth", request_body = VerifyEmailConfirm,
    responses((status = 204, description = "verified"), (status = 422, description = "validation_error", body = ErrorBody)))]
#[post("/auth/verify-email/confirm")]
pub async fn verify_email_confirm(
    state: web::Data<AppState>,
    body: Json<VerifyEmailConfirm>,
) -> Result<HttpResponse, ApiError> {
    state
        .auth
        .confirm_email_verification(&body.0.token)
        .await
        .map_err(ApiError::from)?;
    Ok(HttpResponse::NoContent().finish())
}
