//! The third kind of user: a Rust service embedding `merx-identity` and testing its own code
//! against mockall mocks of our ports, from outside the crate (feature `mocks`).

use std::sync::Arc;

use chrono::Utc;
use merx_identity::{
    AuthPolicy, AuthPorts, AuthService, Email, IdentityError, MockAccessTokenCodec, MockMailer,
    MockOneTimeTokenRepository, MockPasswordHasher, MockRefreshTokenRepository, MockUserRepository,
    PasswordHash, Registration, Role, User, UserId,
};
use merx_kernel::MockClock;

fn existing_user(email: &str) -> User {
    User {
        id: UserId::new(),
        email: Email::parse(email).expect("valid"),
        password_hash: PasswordHash::from_stored("$2b$04$stored".into()),
        full_name: None,
        phone: None,
        role: Role::Customer,
        is_active: true,
        is_verified: true,
        attributes: serde_json::Map::new(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

struct Mocks {
    users: MockUserRepository,
    refresh_tokens: MockRefreshTokenRepository,
    hasher: MockPasswordHasher,
    access_tokens: MockAccessTokenCodec,
}

fn service(m: Mocks) -> AuthService {
    let mut clock = MockClock::new();
    clock.expect_now().returning(Utc::now);
    AuthService::new(
        AuthPorts {
            users: Arc::new(m.users),
            refresh_tokens: Arc::new(m.refresh_tokens),
            // No expectations: any call to these fails the test.
            one_time_tokens: Arc::new(MockOneTimeTokenRepository::new()),
            mailer: Arc::new(MockMailer::new()),
            hasher: Arc::new(m.hasher),
            access_tokens: Arc::new(m.access_tokens),
            clock: Arc::new(clock),
        },
        AuthPolicy::default(),
    )
}

fn mocks() -> Mocks {
    Mocks {
        users: MockUserRepository::new(),
        refresh_tokens: MockRefreshTokenRepository::new(),
        hasher: MockPasswordHasher::new(),
        access_tokens: MockAccessTokenCodec::new(),
    }
}

#[tokio::test]
async fn a_taken_email_is_refused_before_any_password_is_hashed() {
    let mut m = mocks();
    let taken = existing_user("taken@example.com");
    m.users
        .expect_find_by_email()
        .times(1)
        .returning(move |_| Ok(Some(taken.clone())));
    // m.hasher has no expectation: hashing here would panic.
    let err = service(m)
        .register(Registration {
            email: "Taken@Example.com".into(),
            password: "password-123".into(),
            full_name: None,
            phone: None,
        })
        .await
        .expect_err("taken");
    assert!(matches!(err, IdentityError::EmailTaken));
}

#[tokio::test]
async fn a_login_issues_a_signed_token_and_stores_only_the_refresh_tokens_hash() {
    let mut m = mocks();
    let user = existing_user("buyer@example.com");
    let uid = user.id;
    m.users
        .expect_find_by_email()
        .returning(move |_| Ok(Some(user.clone())));
    m.hasher
        .expect_verify()
        .times(1)
        .returning(|password, _| Ok(password == "password-123"));
    m.access_tokens
        .expect_encode()
        .times(1)
        .returning(move |claims| {
            assert_eq!(claims.sub, uid);
            assert_eq!(claims.exp - claims.iat, 3600);
            Ok("signed.jwt.token".into())
        });
    m.refresh_tokens
        .expect_insert()
        .times(1)
        .returning(|_| Ok(()));
    let pair = service(m)
        .login("buyer@example.com", "password-123")
        .await
        .expect("logs in");
    assert_eq!(pair.access_token, "signed.jwt.token");
    assert_eq!(pair.user.id, uid);
}

#[tokio::test]
async fn an_unknown_email_still_costs_a_password_check() {
    let mut m = mocks();
    m.users.expect_find_by_email().returning(|_| Ok(None));
    m.hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok(PasswordHash::from_stored("$2b$04$decoy".into())));
    m.hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(false));
    let err = service(m)
        .login("ghost@example.com", "password-123")
        .await
        .expect_err("unknown");
    assert!(matches!(err, IdentityError::InvalidCredentials));
}
