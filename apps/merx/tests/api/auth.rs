use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::{Store, Tokens, error_body, spawn_app, spawn_app_with};

both_stores!(
    registering_returns_201_with_the_user_and_no_secret,
    a_taken_email_is_409_whatever_its_case,
    registration_lists_every_invalid_field,
    login_accepts_json_and_the_oauth2_form,
    a_wrong_password_and_an_unknown_email_get_the_same_401,
    me_returns_the_signed_in_user_and_401_without_a_valid_token,
    refreshing_rotates_the_refresh_token,
    reusing_a_rotated_refresh_token_revokes_the_whole_family,
    logging_out_ends_the_session,
    a_password_reset_changes_the_password_once_and_signs_out_everywhere,
    email_verification_marks_the_user_verified,
    a_reset_request_answers_before_any_mail_leaves,
);

async fn registering_returns_201_with_the_user_and_no_secret(store: Store) {
    let app = spawn_app(store).await;
    let res = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "  Ana.Kim@Example.COM ", "password": "password-123", "full_name": "Ana Kim", "phone": "+82 10 1234 5678"}),
            None,
        )
        .await;
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.expect("json");
    assert_eq!(user["email"], "ana.kim@example.com");
    assert_eq!(user["full_name"], "Ana Kim");
    assert_eq!(user["phone"], "+82 10 1234 5678");
    assert_eq!(user["role"], "customer");
    assert_eq!(user["is_admin"], false);
    assert_eq!(user["is_active"], true);
    assert_eq!(user["is_verified"], false);
    assert!(uuid::Uuid::parse_str(user["id"].as_str().expect("id")).is_ok());
    assert!(
        user["created_at"]
            .as_str()
            .expect("created_at")
            .ends_with('Z')
    );
    let text = user.to_string();
    assert!(!text.contains("password"), "no password or hash in {text}");
}

async fn a_taken_email_is_409_whatever_its_case(store: Store) {
    let app = spawn_app(store).await;
    assert_eq!(
        app.register("dup@example.com", "password-123")
            .await
            .status(),
        201
    );
    error_body(
        app.register("DUP@example.com", "password-456").await,
        409,
        "email_taken",
    )
    .await;
}

async fn registration_lists_every_invalid_field(store: Store) {
    let app = spawn_app(store).await;
    let res = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "not-an-email", "password": "short"}),
            None,
        )
        .await;
    let body = error_body(res, 422, "validation_error").await;
    let fields: Vec<&str> = body["details"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["email", "password"]);

    let res = app
        .post(
            "/api/v1/auth/register",
            &json!({"password": "password-123"}),
            None,
        )
        .await;
    let body = error_body(res, 422, "validation_error").await;
    assert_eq!(body["details"]["fields"][0]["field"], "email");

    let res = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": "a@b.co", "password": 12345678}),
            None,
        )
        .await;
    let body = error_body(res, 422, "validation_error").await;
    assert_eq!(body["details"]["fields"][0]["field"], "password");
}

async fn login_accepts_json_and_the_oauth2_form(store: Store) {
    let app = spawn_app(store).await;
    app.register("form@example.com", "password-123").await;

    let json_login: Value = app
        .login("Form@Example.com", "password-123")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(json_login["token_type"], "bearer");
    assert_eq!(json_login["expires_in"], 3600);
    assert!(
        json_login["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3),
        "a JWT"
    );
    assert!(
        json_login["refresh_token"]
            .as_str()
            .is_some_and(|t| t.len() >= 40)
    );

    let form = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .form(&[
            ("username", "form@example.com"),
            ("password", "password-123"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(form.status(), 200);
    let form_login: Value = form.json().await.expect("json");
    assert_eq!(form_login["token_type"], "bearer");
    assert_eq!(form_login["user"]["email"], "form@example.com");

    let missing = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .form(&[("username", "form@example.com")])
        .send()
        .await
        .expect("sent");
    let body = error_body(missing, 422, "validation_error").await;
    assert_eq!(body["details"]["fields"][0]["field"], "password");
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_401(store: Store) {
    let app = spawn_app(store).await;
    app.register("real@example.com", "password-123").await;
    let wrong = error_body(
        app.login("real@example.com", "not-the-password").await,
        401,
        "authentication_required",
    )
    .await;
    let unknown = error_body(
        app.login("ghost@example.com", "password-123").await,
        401,
        "authentication_required",
    )
    .await;
    assert_eq!(wrong["message"], unknown["message"]);
    assert_eq!(wrong["details"], unknown["details"]);
}

async fn me_returns_the_signed_in_user_and_401_without_a_valid_token(store: Store) {
    let app = spawn_app(store).await;
    let tokens = app.customer("me@example.com").await;
    let res = app.get("/api/v1/auth/me", Some(&tokens.access)).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.expect("json");
    assert_eq!(me["email"], "me@example.com");
    assert_eq!(me["id"], tokens.user_id);

    error_body(
        app.get("/api/v1/auth/me", None).await,
        401,
        "authentication_required",
    )
    .await;
    error_body(
        app.get("/api/v1/auth/me", Some("garbage")).await,
        401,
        "authentication_required",
    )
    .await;
    // A token signed with another secret is refused.
    let forged = format!("{}x", tokens.access);
    error_body(
        app.get("/api/v1/auth/me", Some(&forged)).await,
        401,
        "authentication_required",
    )
    .await;
}

async fn refresh(app: &crate::helpers::TestApp, token: &str) -> reqwest::Response {
    app.post(
        "/api/v1/auth/refresh",
        &json!({"refresh_token": token}),
        None,
    )
    .await
}

async fn refreshing_rotates_the_refresh_token(store: Store) {
    let app = spawn_app(store).await;
    let first = app.customer("rotate@example.com").await;
    let second = Tokens::from(refresh(&app, &first.refresh).await).await;
    assert_ne!(second.refresh, first.refresh);
    assert_eq!(second.user_id, first.user_id);
    assert_eq!(
        app.get("/api/v1/auth/me", Some(&second.access))
            .await
            .status(),
        200
    );
    let third = Tokens::from(refresh(&app, &second.refresh).await).await;
    assert_ne!(third.refresh, second.refresh);
    error_body(
        refresh(&app, "never-issued").await,
        401,
        "authentication_required",
    )
    .await;
}

async fn reusing_a_rotated_refresh_token_revokes_the_whole_family(store: Store) {
    let app = spawn_app(store).await;
    let stolen = app.customer("victim@example.com").await;
    let current = Tokens::from(refresh(&app, &stolen.refresh).await).await;
    // The thief replays the old token: refused, and the family is revoked...
    error_body(
        refresh(&app, &stolen.refresh).await,
        401,
        "authentication_required",
    )
    .await;
    // ...so the legitimate current token no longer works either.
    error_body(
        refresh(&app, &current.refresh).await,
        401,
        "authentication_required",
    )
    .await;
    // Other sessions of the same user are untouched.
    let other = Tokens::from(app.login("victim@example.com", "password-123").await).await;
    assert_eq!(refresh(&app, &other.refresh).await.status(), 200);
}

async fn logging_out_ends_the_session(store: Store) {
    let app = spawn_app(store).await;
    let tokens = app.customer("bye@example.com").await;
    let res = app
        .post(
            "/api/v1/auth/logout",
            &json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    error_body(
        refresh(&app, &tokens.refresh).await,
        401,
        "authentication_required",
    )
    .await;
    // Logging out again is harmless.
    let res = app
        .post(
            "/api/v1/auth/logout",
            &json!({"refresh_token": tokens.refresh}),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
}

async fn a_password_reset_changes_the_password_once_and_signs_out_everywhere(store: Store) {
    let app = spawn_app(store).await;
    let before = app.customer("forgot@example.com").await;

    let unknown = app
        .post(
            "/api/v1/auth/password-reset/request",
            &json!({"email": "nobody@example.com"}),
            None,
        )
        .await;
    assert_eq!(unknown.status(), 202);
    let known = app
        .post(
            "/api/v1/auth/password-reset/request",
            &json!({"email": "forgot@example.com"}),
            None,
        )
        .await;
    assert_eq!(known.status(), 202);
    assert!(app.mailer.last_to("nobody@example.com").is_none());
    let token = app.emailed_token("forgot@example.com").await;

    let weak = json!({"token": token, "new_password": "short"});
    let body = error_body(
        app.post("/api/v1/auth/password-reset/confirm", &weak, None)
            .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "new_password");

    let good = json!({"token": token, "new_password": "brand-new-password"});
    assert_eq!(
        app.post("/api/v1/auth/password-reset/confirm", &good, None)
            .await
            .status(),
        204
    );
    let again = json!({"token": token, "new_password": "another-password"});
    let body = error_body(
        app.post("/api/v1/auth/password-reset/confirm", &again, None)
            .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "token");

    assert_eq!(
        app.login("forgot@example.com", "password-123")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login("forgot@example.com", "brand-new-password")
            .await
            .status(),
        200
    );
    error_body(
        refresh(&app, &before.refresh).await,
        401,
        "authentication_required",
    )
    .await;
}

async fn email_verification_marks_the_user_verified(store: Store) {
    let app = spawn_app(store).await;
    let tokens = app.customer("verify@example.com").await;
    error_body(
        app.post("/api/v1/auth/verify-email/request", &json!({}), None)
            .await,
        401,
        "authentication_required",
    )
    .await;
    let res = app
        .post(
            "/api/v1/auth/verify-email/request",
            &json!({}),
            Some(&tokens.access),
        )
        .await;
    assert_eq!(res.status(), 202);
    let token = app.emailed_token("verify@example.com").await;
    let bad = app
        .post(
            "/api/v1/auth/verify-email/confirm",
            &json!({"token": "wrong"}),
            None,
        )
        .await;
    error_body(bad, 422, "validation_error").await;
    let ok = app
        .post(
            "/api/v1/auth/verify-email/confirm",
            &json!({"token": token}),
            None,
        )
        .await;
    assert_eq!(ok.status(), 204);
    let me: Value = app
        .get("/api/v1/auth/me", Some(&tokens.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["is_verified"], true);
}

/// Spec §17: a reset request for a known email answers as an unknown one does, without
/// waiting for its mail: here the mail server accepts connections and never greets, so a
/// request that sent the mail itself would hang on it.
async fn a_reset_request_answers_before_any_mail_leaves(store: Store) {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let port = silent.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let app = spawn_app_with(store, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await;
    assert_eq!(
        app.register("known@example.com", "password-123")
            .await
            .status(),
        201
    );
    for email in ["known@example.com", "unknown@example.com"] {
        let answer = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            app.post(
                "/api/v1/auth/password-reset/request",
                &json!({"email": email}),
                None,
            ),
        )
        .await
        .unwrap_or_else(|_| panic!("{email}: the answer waited for the mail server"));
        assert_eq!(answer.status(), 202, "{email}");
    }
}
