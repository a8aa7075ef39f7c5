//! Rules of the identity services that need a moved clock or a race to observe, checked with
//! mocked ports.

use std::sync::Arc;

use chrono::{Duration, Utc};
use merx_kernel::{Clock, ManualClock, Timestamp};

use crate::*;

struct Ports {
    users: MockUserRepository,
    refresh_tokens: MockRefreshTokenRepository,
    one_time_tokens: MockOneTimeTokenRepository,
    hasher: MockPasswordHasher,
    access_tokens: MockAccessTokenCodec,
}

fn ports() -> Ports {
    Ports {
        users: MockUserRepository::new(),
        refresh_tokens: MockRefreshTokenRepository::new(),
        one_time_tokens: MockOneTimeTokenRepository::new(),
        hasher: MockPasswordHasher::new(),
        access_tokens: MockAccessTokenCodec::new(),
    }
}

fn service(p: Ports, clock: Arc<ManualClock>) -> AuthService {
    AuthService::new(
        AuthPorts {
            users: Arc::new(p.users),
            refresh_tokens: Arc::new(p.refresh_tokens),
            one_time_tokens: Arc::new(p.one_time_tokens),
            hasher: Arc::new(p.hasher),
            access_tokens: Arc::new(p.access_tokens),
            mailer: Arc::new(MockMailer::new()),
            clock,
        },
        AuthPolicy::default(),
    )
}

fn user(role: Role) -> User {
    let now = Utc::now();
    User {
        id: UserId::new(),
        email: Email::parse("u@example.com").expect("valid"),
        password_hash: PasswordHash::from_stored("$2b$04$x".into()),
        full_name: None,
        phone: None,
        role,
        is_active: true,
        is_verified: false,
        attributes: serde_json::Map::new(),
        created_at: now,
        updated_at: now,
    }
}

fn stored_refresh(now: Timestamp) -> RefreshToken {
    RefreshToken {
        id: RefreshTokenId::new(),
        family_id: TokenFamilyId::new(),
        user_id: UserId::new(),
        token_hash: hash_secret("t"),
        created_at: now - Duration::days(1),
        expires_at: now + Duration::days(29),
        used_at: None,
        revoked_at: None,
    }
}

#[test]
fn an_access_token_stops_working_when_its_hour_is_up() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let now = clock.now().timestamp();
    let mut p = ports();
    p.access_tokens.expect_decode().returning(move |_| {
        Ok(AccessClaims {
            sub: UserId::new(),
            email: Email::parse("u@example.com").expect("valid"),
            role: Role::Customer,
            iat: now,
            exp: now + 3600,
        })
    });
    let auth = service(p, clock.clone());
    assert!(auth.authenticate("jwt").is_ok());
    clock.advance(Duration::seconds(3600));
    assert!(matches!(
        auth.authenticate("jwt"),
        Err(IdentityError::Unauthenticated)
    ));
}

#[tokio::test]
async fn an_expired_refresh_token_is_refused_without_being_spent() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut token = stored_refresh(clock.now());
    token.expires_at = clock.now() - Duration::seconds(1);
    let mut p = ports();
    p.refresh_tokens
        .expect_find_by_hash()
        .returning(move |_| Ok(Some(token.clone())));
    // No expectation on mark_used or revoke_family: calling either fails the test.
    let err = service(p, clock).refresh("t").await.expect_err("expired");
    assert!(matches!(err, IdentityError::Unauthenticated));
}

#[tokio::test]
async fn presenting_a_spent_refresh_token_revokes_its_family() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let mut token = stored_refresh(clock.now());
    token.used_at = Some(clock.now() - Duration::minutes(5));
    let family = token.family_id;
    let mut p = ports();
    p.refresh_tokens
        .expect_find_by_hash()
        .returning(move |_| Ok(Some(token.clone())));
    p.refresh_tokens
        .expect_revoke_family()
        .withf(move |f, _| *f == family)
        .times(1)
        .returning(|_, _| Ok(()));
    let err = service(p, clock).refresh("t").await.expect_err("reused");
    assert!(matches!(err, IdentityError::Unauthenticated));
}

#[tokio::test]
async fn losing_a_rotation_race_counts_as_reuse() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let token = stored_refresh(clock.now());
    let (family, owner) = (token.family_id, token.user_id);
    let mut p = ports();
    p.refresh_tokens
        .expect_find_by_hash()
        .returning(move |_| Ok(Some(token.clone())));
    p.users.expect_find_by_id().returning(move |_| {
        Ok(Some(User {
            id: owner,
            ..user(Role::Customer)
        }))
    });
    p.refresh_tokens
        .expect_rotate()
        .times(1)
        .returning(|_, _, _| Ok(false));
    p.refresh_tokens
        .expect_revoke_family()
        .withf(move |f, _| *f == family)
        .times(1)
        .returning(|_, _| Ok(()));
    // No expectation on access_tokens.encode: no token may be signed.
    let err = service(p, clock)
        .refresh("t")
        .await
        .expect_err("lost the race");
    assert!(matches!(err, IdentityError::Unauthenticated));
}

#[tokio::test]
async fn a_rotation_continues_the_family_with_a_new_secret() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let token = stored_refresh(clock.now());
    let (family, owner, spent) = (token.family_id, token.user_id, token.id);
    let mut p = ports();
    p.refresh_tokens
        .expect_find_by_hash()
        .returning(move |_| Ok(Some(token.clone())));
    p.users.expect_find_by_id().returning(move |_| {
        Ok(Some(User {
            id: owner,
            ..user(Role::Customer)
        }))
    });
    p.refresh_tokens
        .expect_rotate()
        .withf(move |old, next, _| *old == spent && next.family_id == family && next.id != spent)
        .times(1)
        .returning(|_, _, _| Ok(true));
    p.access_tokens
        .expect_encode()
        .times(1)
        .returning(|_| Ok("jwt".into()));
    let pair = service(p, clock).refresh("t").await.expect("rotated");
    assert_ne!(pair.refresh_token, "t");
    assert_eq!(pair.access_token, "jwt");
}

#[tokio::test]
async fn an_expired_reset_token_changes_nothing() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let now = clock.now();
    let mut p = ports();
    p.one_time_tokens
        .expect_consume()
        .times(1)
        .returning(move |purpose, hash, _| {
            Ok(Some(OneTimeToken {
                user_id: UserId::new(),
                purpose,
                token_hash: hash.clone(),
                created_at: now - Duration::hours(2),
                expires_at: now - Duration::hours(1),
                used_at: None,
            }))
        });
    // No expectation on users.update or hasher.hash: the password must not change.
    let err = service(p, clock)
        .confirm_password_reset("old-token", "new-password-1".into())
        .await
        .expect_err("expired");
    let IdentityError::Validation(v) = err else {
        panic!("expected a validation error, got {err:?}")
    };
    assert_eq!(v.fields[0].field, "token");
}

#[tokio::test]
async fn promoting_a_customer_to_admin_resets_its_password_and_sessions() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let customer = user(Role::Customer);
    let id = customer.id;
    let mut p = ports();
    p.users
        .expect_find_by_email()
        .returning(move |_| Ok(Some(customer.clone())));
    p.hasher
        .expect_hash()
        .withf(|pw| pw == "operator-pass")
        .times(1)
        .returning(|_| Ok(PasswordHash::from_stored("$2b$04$new".into())));
    p.users
        .expect_set_password()
        .withf(move |u, h, _| *u == id && h.as_str() == "$2b$04$new")
        .times(1)
        .returning(|_, _, _| Ok(true));
    p.refresh_tokens
        .expect_revoke_all_for_user()
        .withf(move |u, _| *u == id)
        .times(1)
        .returning(|_, _| Ok(()));
    p.users
        .expect_grant_admin()
        .withf(move |u, _| *u == id)
        .times(1)
        .returning(|_, _| Ok(true));
    let (admin, created) = service(p, clock)
        .ensure_admin("u@example.com", "operator-pass")
        .await
        .expect("promoted");
    assert!(!created);
    assert_eq!(admin.role, Role::Admin);
}

#[tokio::test]
async fn an_existing_admin_is_left_alone() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let admin = user(Role::Admin);
    let mut p = ports();
    p.users
        .expect_find_by_email()
        .returning(move |_| Ok(Some(admin.clone())));
    // No expectation on set_password, grant_admin or revoke: a restart must not sign admins out.
    let (_, created) = service(p, clock)
        .ensure_admin("u@example.com", "operator-pass")
        .await
        .expect("exists");
    assert!(!created);
}
