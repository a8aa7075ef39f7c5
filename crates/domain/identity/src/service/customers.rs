//! Customers made by an admin or an integrator (spec §16): a phone or in-store order needs a
//! customer before any password exists. The customer signs in after a password reset.

use merx_kernel::{Page, PageRequest, ValidationErrors, has_control_chars};

use crate::user::{MAX_NAME, MAX_PHONE, check_attributes, optional_text};
use crate::{AuthService, Email, IdentityError, Password, Principal, Role, User, generate_secret};

/// `POST /customers`: everything but a password.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewCustomer {
    pub email: String,
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The longest search an admin's customer list takes.
const MAX_SEARCH: usize = 200;

impl AuthService {
    /// Creates a customer without a password (admins and API keys only), validated as a
    /// registration is. Its password is a random secret nobody holds, so the only way in is
    /// the password-reset flow.
    ///
    /// # Errors
    /// `Forbidden` for anyone but an admin or API key; `Validation`; `EmailTaken`.
    pub async fn create_customer(
        &self,
        caller: &Principal,
        input: NewCustomer,
        request_id: &str,
    ) -> Result<User, IdentityError> {
        if !caller.is_admin() {
            return Err(IdentityError::Forbidden);
        }
        let mut errors = ValidationErrors::new();
        let email = errors.check("email", Email::parse(&input.email));
        let full_name = optional_text(&mut errors, "full_name", input.full_name, MAX_NAME);
        let phone = optional_text(&mut errors, "phone", input.phone, MAX_PHONE);
        if let Some(a) = &input.attributes {
            check_attributes(&mut errors, a);
        }
        let (Some(email), true) = (email, errors.is_empty()) else {
            return Err(errors.into());
        };
        if self.ports.users.find_by_email(&email).await?.is_some() {
            return Err(IdentityError::EmailTaken);
        }
        let unknowable = Password::new(generate_secret("unset_"))
            .map_err(|e| IdentityError::Validation(ValidationErrors::single("password", e)))?;
        let mut user = self
            .new_user(email, &unknowable, Role::Customer, full_name, phone)
            .await?;
        user.attributes = input.attributes.unwrap_or_default();
        let audit = caller.author(request_id).entry(
            "customer.create",
            user.audit_target(),
            merx_kernel::Changes::between(&serde_json::Value::Null, &user.audited()),
            user.created_at,
        );
        self.ports.users.insert(&user, audit).await?;
        Ok(user)
    }

    /// Customers, newest first, optionally those whose email or name contains `search`
    /// (case-insensitive). Admins only.
    ///
    /// # Errors
    /// `Forbidden`; `Validation` for an over-long search or control characters.
    pub async fn list_customers(
        &self,
        caller: &Principal,
        search: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<User>, IdentityError> {
        if !caller.is_admin() {
            return Err(IdentityError::Forbidden);
        }
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        if search.is_some_and(|s| s.chars().count() > MAX_SEARCH || has_control_chars(s)) {
            return Err(ValidationErrors::single(
                "search",
                "must be at most 200 characters, without control characters",
            )
            .into());
        }
        let search = search.map(str::to_lowercase);
        Ok(self.ports.users.list_customers(search, page).await?)
    }
}
