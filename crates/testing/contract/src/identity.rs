use std::any::Any;

use chrono::{Duration, DurationRound, Utc};
use merx_identity::{
    AddressId, AddressKind, AddressRepository, ApiKey, ApiKeyId, ApiKeyRepository, Email,
    IdentityError, OneTimeToken, OneTimeTokenRepository, PasswordHash, RefreshToken,
    RefreshTokenId, RefreshTokenRepository, Role, SavedAddress, TokenFamilyId, TokenPurpose, User,
    UserId, UserPatch, UserRepository, hash_secret,
};
use merx_kernel::{PostalAddress, Timestamp};

/// The identity ports of one store, and whatever must live as long as they do (a test
/// database, say).
pub struct IdentityRepos {
    pub users: Box<dyn UserRepository>,
    pub refresh_tokens: Box<dyn RefreshTokenRepository>,
    pub one_time_tokens: Box<dyn OneTimeTokenRepository>,
    pub api_keys: Box<dyn ApiKeyRepository>,
    pub addresses: Box<dyn AddressRepository>,
    pub guard: Box<dyn Any + Send + Sync>,
}

/// Now, at the microsecond precision Postgres keeps, so values compare equal after a round trip.
fn now() -> Timestamp {
    Utc::now()
        .duration_trunc(Duration::microseconds(1))
        .unwrap_or_else(|_| Utc::now())
}

pub(crate) fn user(email: &str) -> User {
    let at = now();
    User {
        id: UserId::new(),
        email: Email::parse(email).expect("valid email"),
        password_hash: PasswordHash::from_stored("$2b$04$hash".into()),
        full_name: Some("Kim Minji".into()),
        phone: None,
        role: Role::Customer,
        is_active: true,
        is_verified: false,
        attributes: serde_json::Map::new(),
        created_at: at,
        updated_at: at,
    }
}

async fn stored_user(repos: &IdentityRepos, email: &str) -> User {
    let u = user(email);
    repos.users.insert(&u, None).await.expect("insert user");
    u
}

fn refresh_token(user: UserId, family: TokenFamilyId, secret: &str) -> RefreshToken {
    let at = now();
    RefreshToken {
        id: RefreshTokenId::new(),
        family_id: family,
        user_id: user,
        token_hash: hash_secret(secret),
        created_at: at,
        expires_at: at + Duration::days(30),
        used_at: None,
        revoked_at: None,
    }
}

pub async fn users_are_found_by_id_and_by_email(repos: &IdentityRepos) {
    let mut u = user("ana@example.com");
    u.attributes
        .insert("skin_type".into(), serde_json::json!("dry"));
    repos.users.insert(&u, None).await.expect("insert");
    assert_eq!(
        repos.users.find_by_id(u.id).await.expect("find"),
        Some(u.clone())
    );
    let by_email = repos.users.find_by_email(&u.email).await.expect("find");
    assert_eq!(by_email, Some(u));
    let other = Email::parse("nobody@example.com").expect("valid");
    assert_eq!(repos.users.find_by_email(&other).await.expect("find"), None);
    assert_eq!(
        repos.users.find_by_id(UserId::new()).await.expect("find"),
        None
    );
}

pub async fn a_second_user_with_the_same_email_is_refused(repos: &IdentityRepos) {
    stored_user(repos, "twice@example.com").await;
    let err = repos
        .users
        .insert(&user("twice@example.com"), None)
        .await
        .expect_err("duplicate");
    assert!(matches!(err, IdentityError::EmailTaken), "got {err:?}");
}

pub async fn profile_updates_write_only_the_fields_given(repos: &IdentityRepos) {
    let u = stored_user(repos, "edit@example.com").await;
    let at = now() + Duration::seconds(5);
    let mut attributes = serde_json::Map::new();
    attributes.insert("tier".into(), serde_json::json!("gold"));
    let patch = UserPatch {
        full_name: Some(None),
        phone: Some(Some("+82 10 1234 5678".into())),
        attributes: Some(attributes.clone()),
        ..UserPatch::default()
    };
    let updated = repos
        .users
        .update_profile(u.id, &patch, at, None)
        .await
        .expect("update")
        .expect("exists");
    let expected = User {
        full_name: None,
        phone: Some("+82 10 1234 5678".into()),
        attributes,
        updated_at: at,
        ..u.clone()
    };
    assert_eq!(updated, expected);
    let only_phone = UserPatch {
        phone: Some(None),
        ..UserPatch::default()
    };
    let again = repos
        .users
        .update_profile(u.id, &only_phone, at, None)
        .await
        .expect("update")
        .expect("exists");
    assert_eq!(
        again,
        User {
            phone: None,
            ..expected
        }
    );
    assert_eq!(
        repos.users.find_by_id(u.id).await.expect("find"),
        Some(again.clone())
    );
    // An admin's change of role and active flag is stored too.
    let demote = UserPatch {
        role: Some(merx_identity::Role::Admin),
        is_active: Some(false),
        ..UserPatch::default()
    };
    let changed = repos
        .users
        .update_profile(u.id, &demote, at, None)
        .await
        .expect("update")
        .expect("exists");
    assert_eq!(
        (changed.role, changed.is_active, changed.phone),
        (merx_identity::Role::Admin, false, again.phone)
    );
}

pub async fn password_verification_and_promotion_touch_only_their_own_columns(
    repos: &IdentityRepos,
) {
    let u = stored_user(repos, "narrow@example.com").await;
    let at = now() + Duration::seconds(5);
    let hash = PasswordHash::from_stored("$2b$04$changed".into());
    assert!(
        repos
            .users
            .set_password(u.id, &hash, at)
            .await
            .expect("set")
    );
    assert!(repos.users.mark_verified(u.id, at).await.expect("verify"));
    assert!(repos.users.grant_admin(u.id, at).await.expect("grant"));
    // A profile edit made from an older read must not undo any of that.
    let patch = UserPatch {
        full_name: Some(Some("Renamed".into())),
        ..UserPatch::default()
    };
    repos
        .users
        .update_profile(u.id, &patch, at, None)
        .await
        .expect("update");
    let stored = repos
        .users
        .find_by_id(u.id)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(stored.password_hash, hash);
    assert!(stored.is_verified);
    assert_eq!(stored.role, Role::Admin);
    assert_eq!(stored.full_name.as_deref(), Some("Renamed"));
}

pub async fn writes_to_an_unknown_user_report_that_it_is_missing(repos: &IdentityRepos) {
    let ghost = UserId::new();
    let at = now();
    assert_eq!(
        repos
            .users
            .update_profile(ghost, &UserPatch::default(), at, None)
            .await
            .expect("update"),
        None
    );
    let hash = PasswordHash::from_stored("$2b$04$x".into());
    assert!(
        !repos
            .users
            .set_password(ghost, &hash, at)
            .await
            .expect("set")
    );
    assert!(!repos.users.mark_verified(ghost, at).await.expect("verify"));
    assert!(!repos.users.grant_admin(ghost, at).await.expect("grant"));
}

pub async fn a_refresh_token_rotates_once(repos: &IdentityRepos) {
    let u = stored_user(repos, "rt@example.com").await;
    let family = TokenFamilyId::new();
    let token = refresh_token(u.id, family, "secret-1");
    repos.refresh_tokens.insert(&token).await.expect("insert");
    let found = repos
        .refresh_tokens
        .find_by_hash(&hash_secret("secret-1"))
        .await
        .expect("find");
    assert_eq!(found, Some(token.clone()));
    let at = now();
    let next = refresh_token(u.id, family, "secret-2");
    assert!(
        repos
            .refresh_tokens
            .rotate(token.id, &next, at)
            .await
            .expect("rotate")
    );
    let other = refresh_token(u.id, family, "secret-3");
    assert!(
        !repos
            .refresh_tokens
            .rotate(token.id, &other, at)
            .await
            .expect("rotate again")
    );
    let spent = repos
        .refresh_tokens
        .find_by_hash(&token.token_hash)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(spent.used_at, Some(at));
    assert_eq!(
        repos
            .refresh_tokens
            .find_by_hash(&next.token_hash)
            .await
            .expect("find"),
        Some(next)
    );
    assert_eq!(
        repos
            .refresh_tokens
            .find_by_hash(&other.token_hash)
            .await
            .expect("find"),
        None,
        "a failed rotation stores nothing"
    );
}

pub async fn a_rotation_racing_a_revocation_never_leaves_a_live_token(repos: &IdentityRepos) {
    let u = stored_user(repos, "race@example.com").await;
    for round in 0..10 {
        let family = TokenFamilyId::new();
        let token = refresh_token(u.id, family, &format!("race-{round}"));
        repos.refresh_tokens.insert(&token).await.expect("insert");
        let next = refresh_token(u.id, family, &format!("race-{round}-next"));
        let at = now();
        let (rotated, revoked) = tokio::join!(
            repos.refresh_tokens.rotate(token.id, &next, at),
            repos.refresh_tokens.revoke_family(family, at),
        );
        revoked.expect("revoke");
        if rotated.expect("rotate") {
            let stored = repos
                .refresh_tokens
                .find_by_hash(&next.token_hash)
                .await
                .expect("find")
                .expect("stored");
            assert!(
                stored.revoked_at.is_some(),
                "round {round}: the rotated-in token outlived the revocation"
            );
        }
    }
}

pub async fn revoking_a_family_leaves_other_families_alone(repos: &IdentityRepos) {
    let u = stored_user(repos, "fam@example.com").await;
    let (f1, f2) = (TokenFamilyId::new(), TokenFamilyId::new());
    let a = refresh_token(u.id, f1, "a");
    let b = refresh_token(u.id, f1, "b");
    let c = refresh_token(u.id, f2, "c");
    for t in [&a, &b, &c] {
        repos.refresh_tokens.insert(t).await.expect("insert");
    }
    repos
        .refresh_tokens
        .revoke_family(f1, now())
        .await
        .expect("revoke");
    for (t, revoked) in [(&a, true), (&b, true), (&c, false)] {
        let found = repos
            .refresh_tokens
            .find_by_hash(&t.token_hash)
            .await
            .expect("find")
            .expect("exists");
        assert_eq!(found.revoked_at.is_some(), revoked);
    }
    let next = refresh_token(u.id, f1, "a-next");
    assert!(
        !repos
            .refresh_tokens
            .rotate(a.id, &next, now())
            .await
            .expect("rotate"),
        "revoked tokens cannot be used"
    );
}

pub async fn revoking_all_of_a_users_tokens_spares_other_users(repos: &IdentityRepos) {
    let u1 = stored_user(repos, "one@example.com").await;
    let u2 = stored_user(repos, "two@example.com").await;
    let t1 = refresh_token(u1.id, TokenFamilyId::new(), "t1");
    let t2 = refresh_token(u2.id, TokenFamilyId::new(), "t2");
    repos.refresh_tokens.insert(&t1).await.expect("insert");
    repos.refresh_tokens.insert(&t2).await.expect("insert");
    repos
        .refresh_tokens
        .revoke_all_for_user(u1.id, now())
        .await
        .expect("revoke");
    let r1 = repos
        .refresh_tokens
        .find_by_hash(&t1.token_hash)
        .await
        .expect("find")
        .expect("exists");
    let r2 = repos
        .refresh_tokens
        .find_by_hash(&t2.token_hash)
        .await
        .expect("find")
        .expect("exists");
    assert!(r1.revoked_at.is_some());
    assert!(r2.revoked_at.is_none());
}

pub async fn a_one_time_token_is_consumed_once_and_only_for_its_purpose(repos: &IdentityRepos) {
    let u = stored_user(repos, "ott@example.com").await;
    let at = now();
    let token = OneTimeToken {
        user_id: u.id,
        purpose: TokenPurpose::PasswordReset,
        token_hash: hash_secret("reset-me"),
        created_at: at,
        expires_at: at + Duration::hours(1),
        used_at: None,
    };
    repos.one_time_tokens.insert(&token).await.expect("insert");
    let wrong = repos
        .one_time_tokens
        .consume(TokenPurpose::EmailVerification, &token.token_hash, at)
        .await
        .expect("consume");
    assert_eq!(wrong, None, "a reset token does not verify an email");
    let first = repos
        .one_time_tokens
        .consume(TokenPurpose::PasswordReset, &token.token_hash, at)
        .await
        .expect("consume");
    assert_eq!(first, Some(token.clone()));
    let second = repos
        .one_time_tokens
        .consume(TokenPurpose::PasswordReset, &token.token_hash, at)
        .await
        .expect("consume");
    assert_eq!(second, None, "single use");
}

pub async fn api_keys_are_found_by_hash_listed_newest_first_and_revoked_once(
    repos: &IdentityRepos,
) {
    let at = now();
    let older = ApiKey {
        id: ApiKeyId::new(),
        name: "erp".into(),
        prefix: "mrx_aaaaaaaa".into(),
        key_hash: hash_secret("key-1"),
        created_at: at - Duration::minutes(1),
        revoked_at: None,
    };
    let newer = ApiKey {
        id: ApiKeyId::new(),
        name: "warehouse".into(),
        key_hash: hash_secret("key-2"),
        created_at: at,
        ..older.clone()
    };
    repos.api_keys.insert(&older, None).await.expect("insert");
    repos.api_keys.insert(&newer, None).await.expect("insert");
    assert_eq!(
        repos
            .api_keys
            .find_by_hash(&hash_secret("key-1"))
            .await
            .expect("find"),
        Some(older.clone())
    );
    assert_eq!(
        repos
            .api_keys
            .find_by_hash(&hash_secret("nope"))
            .await
            .expect("find"),
        None
    );
    let names: Vec<_> = repos
        .api_keys
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(names, ["warehouse", "erp"]);
    assert!(
        repos
            .api_keys
            .revoke(older.id, at, None)
            .await
            .expect("revoke")
    );
    assert!(
        !repos
            .api_keys
            .revoke(older.id, at, None)
            .await
            .expect("revoke again")
    );
    let found = repos
        .api_keys
        .find_by_hash(&older.key_hash)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(found.revoked_at, Some(at));
}

fn address(
    user: UserId,
    kind: AddressKind,
    is_default: bool,
    city: &str,
    offset_secs: i64,
) -> SavedAddress {
    let at = now() + Duration::seconds(offset_secs);
    SavedAddress {
        id: AddressId::new(),
        user_id: user,
        kind,
        address: PostalAddress {
            name: "Kim Minji".into(),
            phone: Some("+82 10 0000 0000".into()),
            line1: "1 Sejong-daero".into(),
            line2: None,
            city: city.into(),
            state: None,
            postal_code: "04524".into(),
            country: "KR".into(),
        },
        is_default,
        created_at: at,
        updated_at: at,
    }
}

pub async fn saving_a_default_address_unsets_the_previous_default_of_that_kind(
    repos: &IdentityRepos,
) {
    let u = stored_user(repos, "addr@example.com").await;
    let home = address(u.id, AddressKind::Shipping, true, "Seoul", 0);
    let billing = address(u.id, AddressKind::Billing, true, "Seoul", 1);
    let office = address(u.id, AddressKind::Shipping, true, "Busan", 2);
    for a in [&home, &billing, &office] {
        repos.addresses.insert(a).await.expect("insert");
    }
    let list = repos.addresses.list_for_user(u.id).await.expect("list");
    let defaults: Vec<_> = list
        .iter()
        .map(|a| (a.address.city.as_str(), a.kind, a.is_default))
        .collect();
    assert_eq!(
        defaults,
        [
            ("Seoul", AddressKind::Shipping, false),
            ("Seoul", AddressKind::Billing, true),
            ("Busan", AddressKind::Shipping, true),
        ]
    );
    let mut moved = home.clone();
    moved.address.city = "Incheon".into();
    assert!(
        repos
            .addresses
            .update(&moved)
            .await
            .expect("update in place")
    );
    let found = repos
        .addresses
        .find(u.id, home.id)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(found.address.city, "Incheon");
    assert_eq!(
        repos
            .addresses
            .list_for_user(u.id)
            .await
            .expect("list")
            .len(),
        3
    );
}

pub async fn addresses_are_scoped_to_their_user(repos: &IdentityRepos) {
    let owner = stored_user(repos, "owner@example.com").await;
    let other = stored_user(repos, "other@example.com").await;
    let a = address(owner.id, AddressKind::Shipping, true, "Amman", 0);
    repos.addresses.insert(&a).await.expect("insert");
    assert_eq!(
        repos.addresses.find(other.id, a.id).await.expect("find"),
        None
    );
    assert!(
        repos
            .addresses
            .list_for_user(other.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        !repos
            .addresses
            .delete(other.id, a.id)
            .await
            .expect("delete")
    );
    assert_eq!(
        repos.addresses.find(owner.id, a.id).await.expect("find"),
        Some(a)
    );
}

pub async fn deleting_an_address_removes_it(repos: &IdentityRepos) {
    let u = stored_user(repos, "del@example.com").await;
    let a = address(u.id, AddressKind::Billing, false, "Amman", 0);
    repos.addresses.insert(&a).await.expect("insert");
    assert!(repos.addresses.delete(u.id, a.id).await.expect("delete"));
    assert_eq!(repos.addresses.find(u.id, a.id).await.expect("find"), None);
}

pub async fn updating_a_missing_address_reports_false_and_creates_nothing(repos: &IdentityRepos) {
    let u = stored_user(repos, "gone@example.com").await;
    let a = address(u.id, AddressKind::Shipping, true, "Seoul", 0);
    assert!(!repos.addresses.update(&a).await.expect("update"));
    assert!(
        repos
            .addresses
            .list_for_user(u.id)
            .await
            .expect("list")
            .is_empty()
    );
    repos.addresses.insert(&a).await.expect("insert");
    assert!(repos.addresses.delete(u.id, a.id).await.expect("delete"));
    assert!(
        !repos
            .addresses
            .update(&a)
            .await
            .expect("update after delete"),
        "a deleted address is not re-created"
    );
    assert!(
        !repos
            .addresses
            .make_default(u.id, a.id, now())
            .await
            .expect("make default")
    );
}

pub async fn making_an_address_default_moves_only_the_flag(repos: &IdentityRepos) {
    let u = stored_user(repos, "flag@example.com").await;
    let first = address(u.id, AddressKind::Shipping, true, "Seoul", 0);
    let second = address(u.id, AddressKind::Shipping, false, "Busan", 1);
    let billing = address(u.id, AddressKind::Billing, true, "Seoul", 2);
    for a in [&first, &second, &billing] {
        repos.addresses.insert(a).await.expect("insert");
    }
    let at = now() + Duration::seconds(5);
    assert!(
        repos
            .addresses
            .make_default(u.id, second.id, at)
            .await
            .expect("make default")
    );
    let list = repos.addresses.list_for_user(u.id).await.expect("list");
    let flags: Vec<_> = list.iter().map(|a| (a.id, a.is_default)).collect();
    assert_eq!(
        flags,
        [(first.id, false), (second.id, true), (billing.id, true)]
    );
    let moved = list.iter().find(|a| a.id == second.id).expect("listed");
    assert_eq!(moved.address, second.address);
    assert_eq!(moved.updated_at, at);
}
