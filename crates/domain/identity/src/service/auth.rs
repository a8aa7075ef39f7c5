use std::sync::{Arc, OnceLock};

use chrono::Duration;
use merx_kernel::{Clock, ValidationErrors};

use crate::user::{MAX_NAME, MAX_PHONE, check_attributes, optional_text};
use crate::{
    AccessClaims, AccessTokenCodec, Email, IdentityError, Mailer, OneTimeToken,
    OneTimeTokenRepository, OutgoingEmail, Password, PasswordHash, PasswordHasher, Principal,
    RefreshToken, RefreshTokenId, RefreshTokenRepository, Role, TokenFamilyId, TokenPurpose, User,
    UserId, UserPatch, UserRepository, generate_secret, hash_secret,
};

/// Lifetimes of the credentials the service hands out.
#[derive(Debug, Clone, Copy)]
pub struct AuthPolicy {
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub password_reset_ttl: Duration,
    pub email_verification_ttl: Duration,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            access_ttl: Duration::hours(1),
            refresh_ttl: Duration::days(30),
            password_reset_ttl: Duration::hours(1),
            email_verification_ttl: Duration::days(2),
        }
    }
}

/// The ports [`AuthService`] needs.
#[derive(Clone)]
pub struct AuthPorts {
    pub users: Arc<dyn UserRepository>,
    pub refresh_tokens: Arc<dyn RefreshTokenRepository>,
    pub one_time_tokens: Arc<dyn OneTimeTokenRepository>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub access_tokens: Arc<dyn AccessTokenCodec>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
}

/// What a client sends to open an account.
#[derive(Debug, Clone)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub full_name: Option<String>,
    pub phone: Option<String>,
}

/// The answer to a login or a refresh.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds the access token stays valid.
    pub expires_in: i64,
    pub user: User,
}

/// Accounts and sessions: register, log in, rotate refresh tokens, log out, reset passwords,
/// verify emails, and read or edit profiles.
pub struct AuthService {
    pub(super) ports: AuthPorts,
    policy: AuthPolicy,
    /// A real hash checked against when the email is unknown, so that a wrong email costs the
    /// same time as a wrong password.
    decoy_hash: OnceLock<PasswordHash>,
}

const INVALID_TOKEN: &str = "is invalid, expired or already used";

impl AuthService {
    #[must_use]
    pub fn new(ports: AuthPorts, policy: AuthPolicy) -> Self {
        Self {
            ports,
            policy,
            decoy_hash: OnceLock::new(),
        }
    }

    /// Opens a customer account.
    ///
    /// # Errors
    /// `Validation` for a malformed email, a short password or over-long fields; `EmailTaken`.
    pub async fn register(&self, input: Registration) -> Result<User, IdentityError> {
        let mut errors = ValidationErrors::new();
        let email = errors.check("email", Email::parse(&input.email));
        let password = errors.check("password", Password::new(input.password));
        let full_name = optional_text(&mut errors, "full_name", input.full_name, MAX_NAME);
        let phone = optional_text(&mut errors, "phone", input.phone, MAX_PHONE);
        let (Some(email), Some(password), true) = (email, password, errors.is_empty()) else {
            return Err(errors.into());
        };
        if self.ports.users.find_by_email(&email).await?.is_some() {
            return Err(IdentityError::EmailTaken);
        }
        let user = self
            .new_user(email, &password, Role::Customer, full_name, phone)
            .await?;
        self.ports.users.insert(&user, None).await?;
        Ok(user)
    }

    /// Exchanges an email and password for a new token family.
    ///
    /// # Errors
    /// `InvalidCredentials` for an unknown email or a wrong password alike; `AccountDisabled`.
    pub async fn login(&self, email: &str, password: &str) -> Result<TokenPair, IdentityError> {
        let user = match Email::parse(email) {
            Ok(email) => self.ports.users.find_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(user) = user else {
            let decoy = self.decoy_hash().await?;
            let _ = self.ports.hasher.verify(password, &decoy).await?;
            return Err(IdentityError::InvalidCredentials);
        };
        if !self
            .ports
            .hasher
            .verify(password, &user.password_hash)
            .await?
        {
            return Err(IdentityError::InvalidCredentials);
        }
        if !user.is_active {
            return Err(IdentityError::AccountDisabled);
        }
        self.issue(user, TokenFamilyId::new()).await
    }

    /// Rotates a refresh token: the old one is spent, a new one of the same family returned.
    /// Presenting a spent token again is treated as theft and revokes the whole family.
    ///
    /// # Errors
    /// `Unauthenticated` for an unknown, expired, revoked or reused token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, IdentityError> {
        let repo = &self.ports.refresh_tokens;
        let now = self.ports.clock.now();
        let Some(token) = repo.find_by_hash(&hash_secret(refresh_token)).await? else {
            return Err(IdentityError::Unauthenticated);
        };
        if token.revoked_at.is_some() || token.expires_at <= now {
            return Err(IdentityError::Unauthenticated);
        }
        if token.used_at.is_some() {
            tracing::warn!(family = %token.family_id, user = %token.user_id, "refresh token reused: revoking its family");
            repo.revoke_family(token.family_id, now).await?;
            return Err(IdentityError::Unauthenticated);
        }
        let user = match self.ports.users.find_by_id(token.user_id).await? {
            Some(user) if user.is_active => user,
            _ => {
                repo.revoke_family(token.family_id, now).await?;
                return Err(IdentityError::Unauthenticated);
            }
        };
        let (secret, next) = self.next_refresh_token(user.id, token.family_id);
        if !repo.rotate(token.id, &next, now).await? {
            // Spent or revoked between our read and the rotation: a concurrent use, so reuse.
            tracing::warn!(family = %token.family_id, user = %user.id, "refresh token raced: revoking its family");
            repo.revoke_family(token.family_id, now).await?;
            return Err(IdentityError::Unauthenticated);
        }
        self.pair(user, secret)
    }

    /// Ends the session the refresh token belongs to (its whole family). Unknown tokens are
    /// ignored: logging out twice is not an error.
    ///
    /// # Errors
    /// `Store` on storage failure.
    pub async fn logout(&self, refresh_token: &str) -> Result<(), IdentityError> {
        let repo = &self.ports.refresh_tokens;
        if let Some(token) = repo.find_by_hash(&hash_secret(refresh_token)).await? {
            repo.revoke_family(token.family_id, self.ports.clock.now())
                .await?;
        }
        Ok(())
    }

    /// Reads a bearer access token without touching storage.
    ///
    /// # Errors
    /// `Unauthenticated` for a bad signature, a malformed or an expired token.
    pub fn authenticate(&self, access_token: &str) -> Result<Principal, IdentityError> {
        let claims = self
            .ports
            .access_tokens
            .decode(access_token)
            .map_err(|_| IdentityError::Unauthenticated)?;
        if claims.is_expired_at(self.ports.clock.now()) {
            return Err(IdentityError::Unauthenticated);
        }
        Ok(Principal::User {
            id: claims.sub,
            email: claims.email,
            role: claims.role,
        })
    }

    /// The caller with the powers their account has now: a token that says admin is checked
    /// against the stored account at every request, so a demoted admin is a customer at once
    /// and a deactivated or deleted one is signed out (spec §17). Other tokens carry no power
    /// that a later change could take away, and are answered without a lookup.
    ///
    /// # Errors
    /// `Unauthenticated` when an admin's account is gone or disabled; `Store`.
    pub async fn current(&self, principal: Principal) -> Result<Principal, IdentityError> {
        let Principal::User {
            id,
            email,
            role: Role::Admin,
        } = principal
        else {
            return Ok(principal);
        };
        match self.ports.users.find_by_id(id).await? {
            Some(user) if user.is_active => Ok(Principal::User {
                id,
                email,
                role: user.role,
            }),
            _ => Err(IdentityError::Unauthenticated),
        }
    }

    /// The signed-in user's own account.
    ///
    /// # Errors
    /// `Unauthenticated` when the account no longer exists or was disabled.
    pub async fn me(&self, id: UserId) -> Result<User, IdentityError> {
        match self.ports.users.find_by_id(id).await? {
            Some(user) if user.is_active => Ok(user),
            _ => Err(IdentityError::Unauthenticated),
        }
    }

    /// A user's profile, for that user or an admin.
    ///
    /// # Errors
    /// `NotFound` when it does not exist or the caller may not see it.
    pub async fn get_user(&self, caller: &Principal, id: UserId) -> Result<User, IdentityError> {
        if !caller.may_act_for(id) {
            return Err(IdentityError::NotFound("customer"));
        }
        self.ports
            .users
            .find_by_id(id)
            .await?
            .ok_or(IdentityError::NotFound("customer"))
    }

    /// Edits a profile (name, phone, free-form attributes), for that user or an admin; an
    /// admin may also change another account's role and active flag (a deactivated account is
    /// signed out everywhere). Only the fields sent are written.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get_user`]; `Forbidden` when a customer sends a role or an
    /// active flag; `Validation` for over-long or control characters, or an admin changing
    /// their own role or active flag (an admin never locks themselves out).
    pub async fn update_user(
        &self,
        caller: &Principal,
        id: UserId,
        patch: UserPatch,
        request_id: &str,
    ) -> Result<User, IdentityError> {
        if !caller.may_act_for(id) {
            return Err(IdentityError::NotFound("customer"));
        }
        let mut errors = ValidationErrors::new();
        let clean = UserPatch {
            full_name: patch
                .full_name
                .map(|v| optional_text(&mut errors, "full_name", v, MAX_NAME)),
            phone: patch
                .phone
                .map(|v| optional_text(&mut errors, "phone", v, MAX_PHONE)),
            attributes: patch
                .attributes
                .inspect(|a| check_attributes(&mut errors, a)),
            role: patch.role,
            is_active: patch.is_active,
        };
        let powers = clean.role.is_some() || clean.is_active.is_some();
        if powers && !caller.is_admin() {
            return Err(IdentityError::Forbidden);
        }
        if powers && caller.user_id() == Some(id) {
            for (field, sent) in [
                ("role", clean.role.is_some()),
                ("is_active", clean.is_active.is_some()),
            ] {
                if sent {
                    errors.add(field, "an admin cannot change their own");
                }
            }
        }
        errors.into_result()?;
        let now = self.ports.clock.now();
        let by = caller.author(request_id);
        let audit = match &by {
            merx_kernel::Author::Caller { .. } => {
                let before = self.ports.users.find_by_id(id).await?;
                before.and_then(|b| {
                    let changes =
                        merx_kernel::Changes::between(&b.audited(), &b.patched(&clean).audited());
                    by.entry("user.update", b.audit_target(), changes, now)
                })
            }
            merx_kernel::Author::System => None,
        };
        let user = self
            .ports
            .users
            .update_profile(id, &clean, now, audit)
            .await?
            .ok_or(IdentityError::NotFound("customer"))?;
        if clean.is_active == Some(false) {
            self.ports
                .refresh_tokens
                .revoke_all_for_user(id, now)
                .await?;
        }
        Ok(user)
    }

    /// Emails a reset token when an active account has this email; says nothing either way.
    ///
    /// # Errors
    /// `Store` on storage failure only.
    pub async fn request_password_reset(&self, email: &str) -> Result<(), IdentityError> {
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        let Some(user) = self.ports.users.find_by_email(&email).await? else {
            return Ok(());
        };
        if !user.is_active {
            return Ok(());
        }
        let token = self
            .issue_one_time(
                &user,
                TokenPurpose::PasswordReset,
                self.policy.password_reset_ttl,
            )
            .await?;
        self.mail(OutgoingEmail {
            to: user.email,
            subject: "Reset your password".into(),
            body: format!(
                "Use this code to choose a new password: {token}\nIt expires in one hour."
            ),
            token: Some(token),
            html: None,
            key: None,
        })
        .await;
        Ok(())
    }

    /// Sets a new password with a reset token and signs the user out everywhere.
    ///
    /// # Errors
    /// `Validation` for a weak password or an invalid, expired or used token.
    pub async fn confirm_password_reset(
        &self,
        token: &str,
        new_password: String,
    ) -> Result<(), IdentityError> {
        let password =
            Password::new(new_password).map_err(|m| ValidationErrors::single("new_password", m))?;
        let user = self.consume(TokenPurpose::PasswordReset, token).await?;
        self.replace_password(user.id, &password).await
    }

    /// Emails a verification token to a signed-in user whose email is not verified yet.
    ///
    /// # Errors
    /// `Unauthenticated` when the account is gone; `Store` on storage failure.
    pub async fn request_email_verification(&self, id: UserId) -> Result<(), IdentityError> {
        let user = self.me(id).await?;
        if user.is_verified {
            return Ok(());
        }
        let token = self
            .issue_one_time(
                &user,
                TokenPurpose::EmailVerification,
                self.policy.email_verification_ttl,
            )
            .await?;
        self.mail(OutgoingEmail {
            to: user.email,
            subject: "Verify your email".into(),
            body: format!("Use this code to verify your email address: {token}"),
            token: Some(token),
            html: None,
            key: None,
        })
        .await;
        Ok(())
    }

    /// Marks the token's user verified.
    ///
    /// # Errors
    /// `Validation` for an invalid, expired or used token.
    pub async fn confirm_email_verification(&self, token: &str) -> Result<User, IdentityError> {
        let mut user = self.consume(TokenPurpose::EmailVerification, token).await?;
        user.updated_at = self.ports.clock.now();
        user.is_verified = true;
        self.ports
            .users
            .mark_verified(user.id, user.updated_at)
            .await?;
        Ok(user)
    }

    /// Makes sure an admin with this email exists: creates one, or promotes the existing user.
    /// A promotion also sets the given password and signs the user out everywhere, so whoever
    /// registered the email before the operator cannot keep the account. An existing active
    /// admin is left as it is. Returns the admin and whether it was created.
    ///
    /// # Errors
    /// `Validation` for a malformed email or a weak password.
    pub async fn ensure_admin(
        &self,
        email: &str,
        password: &str,
    ) -> Result<(User, bool), IdentityError> {
        let email = Email::parse(email).map_err(|m| ValidationErrors::single("email", m))?;
        let password = Password::new(password.to_owned())
            .map_err(|m| ValidationErrors::single("password", m))?;
        if let Some(mut user) = self.ports.users.find_by_email(&email).await? {
            if user.role != Role::Admin || !user.is_active {
                tracing::warn!(user = %user.id, "promoting an existing account to admin; its password is replaced");
                self.replace_password(user.id, &password).await?;
                user.updated_at = self.ports.clock.now();
                self.ports
                    .users
                    .grant_admin(user.id, user.updated_at)
                    .await?;
                (user.role, user.is_active) = (Role::Admin, true);
            }
            return Ok((user, false));
        }
        let mut user = self
            .new_user(email.clone(), &password, Role::Admin, None, None)
            .await?;
        user.is_verified = true;
        match self.ports.users.insert(&user, None).await {
            Ok(()) => Ok((user, true)),
            // Another instance created it at the same moment: take that one instead.
            Err(IdentityError::EmailTaken) => {
                Box::pin(self.ensure_admin(email.as_str(), password.expose())).await
            }
            Err(e) => Err(e),
        }
    }

    /// Sets a new password and ends every session of the user.
    async fn replace_password(&self, id: UserId, password: &Password) -> Result<(), IdentityError> {
        let hash = self.ports.hasher.hash(password.expose()).await?;
        let now = self.ports.clock.now();
        self.ports.users.set_password(id, &hash, now).await?;
        self.ports
            .refresh_tokens
            .revoke_all_for_user(id, now)
            .await?;
        Ok(())
    }

    pub(super) async fn new_user(
        &self,
        email: Email,
        password: &Password,
        role: Role,
        full_name: Option<String>,
        phone: Option<String>,
    ) -> Result<User, IdentityError> {
        let password_hash = self.ports.hasher.hash(password.expose()).await?;
        let now = self.ports.clock.now();
        Ok(User {
            id: UserId::new(),
            email,
            password_hash,
            full_name,
            phone,
            role,
            is_active: true,
            is_verified: false,
            attributes: serde_json::Map::new(),
            created_at: now,
            updated_at: now,
        })
    }

    /// Starts a family with a stored refresh token, and signs an access token.
    async fn issue(&self, user: User, family: TokenFamilyId) -> Result<TokenPair, IdentityError> {
        let (secret, token) = self.next_refresh_token(user.id, family);
        self.ports.refresh_tokens.insert(&token).await?;
        self.pair(user, secret)
    }

    /// A fresh refresh token of `family`: the secret for the client, the record for the store.
    fn next_refresh_token(&self, user: UserId, family: TokenFamilyId) -> (String, RefreshToken) {
        let now = self.ports.clock.now();
        let secret = generate_secret("");
        let token = RefreshToken {
            id: RefreshTokenId::new(),
            family_id: family,
            user_id: user,
            token_hash: hash_secret(&secret),
            created_at: now,
            expires_at: now + self.policy.refresh_ttl,
            used_at: None,
            revoked_at: None,
        };
        (secret, token)
    }

    fn pair(&self, user: User, refresh_token: String) -> Result<TokenPair, IdentityError> {
        let now = self.ports.clock.now();
        let claims = AccessClaims {
            sub: user.id,
            email: user.email.clone(),
            role: user.role,
            iat: now.timestamp(),
            exp: (now + self.policy.access_ttl).timestamp(),
        };
        let access_token = self.ports.access_tokens.encode(&claims)?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            expires_in: self.policy.access_ttl.num_seconds(),
            user,
        })
    }

    async fn issue_one_time(
        &self,
        user: &User,
        purpose: TokenPurpose,
        ttl: Duration,
    ) -> Result<String, IdentityError> {
        let secret = generate_secret("");
        let now = self.ports.clock.now();
        self.ports
            .one_time_tokens
            .insert(&OneTimeToken {
                user_id: user.id,
                purpose,
                token_hash: hash_secret(&secret),
                created_at: now,
                expires_at: now + ttl,
                used_at: None,
            })
            .await?;
        Ok(secret)
    }

    /// Spends a one-time token and returns its (active) user.
    async fn consume(&self, purpose: TokenPurpose, token: &str) -> Result<User, IdentityError> {
        let now = self.ports.clock.now();
        let invalid = || IdentityError::from(ValidationErrors::single("token", INVALID_TOKEN));
        let Some(record) = self
            .ports
            .one_time_tokens
            .consume(purpose, &hash_secret(token), now)
            .await?
        else {
            return Err(invalid());
        };
        if record.expires_at <= now {
            return Err(invalid());
        }
        match self.ports.users.find_by_id(record.user_id).await? {
            Some(user) if user.is_active => Ok(user),
            _ => Err(invalid()),
        }
    }

    /// Mail failures are logged, not returned: the request endpoints must answer alike whether
    /// or not an email went out.
    async fn mail(&self, email: OutgoingEmail) {
        if let Err(e) = self.ports.mailer.send(&email).await {
            tracing::error!(error = %e, subject = %email.subject, "could not send email");
        }
    }

    async fn decoy_hash(&self) -> Result<PasswordHash, IdentityError> {
        if let Some(hash) = self.decoy_hash.get() {
            return Ok(hash.clone());
        }
        let hash = self
            .ports
            .hasher
            .hash("decoy password for unknown emails")
            .await?;
        Ok(self.decoy_hash.get_or_init(|| hash).clone())
    }
}
