//! How accounts and API keys read in the audit log, and who a caller is there. Secrets and
//! password hashes never appear in it.

use merx_kernel::audit::{Actor, Author, Target};
use serde_json::{Value, json};

use crate::{ApiKey, Principal, User, UserPatch};

impl Principal {
    /// How the audit log names this caller.
    #[must_use]
    pub fn actor(&self) -> Actor {
        match self {
            Self::User { id, .. } => Actor::user(id),
            Self::ApiKey { id } => Actor::api_key(id),
        }
    }

    /// The author of this caller's writes in request `request_id`: audited for admins and
    /// API keys; a customer acting on their own things is not an admin write.
    #[must_use]
    pub fn author(&self, request_id: impl Into<String>) -> Author {
        if self.is_admin() {
            Author::caller(self.actor(), request_id)
        } else {
            Author::System
        }
    }
}

impl User {
    #[must_use]
    pub fn audited(&self) -> Value {
        json!({
            "email": self.email.as_str(),
            "full_name": self.full_name,
            "phone": self.phone,
            "role": self.role.as_str(),
            "is_active": self.is_active,
            "attributes": self.attributes,
        })
    }

    #[must_use]
    pub fn audit_target(&self) -> Target {
        Target::new("user", self.id)
    }

    /// The user as `patch` leaves it (what the store writes).
    #[must_use]
    pub fn patched(&self, patch: &UserPatch) -> Self {
        let mut after = self.clone();
        if let Some(v) = &patch.full_name {
            after.full_name.clone_from(v);
        }
        if let Some(v) = &patch.phone {
            after.phone.clone_from(v);
        }
        if let Some(v) = &patch.attributes {
            after.attributes.clone_from(v);
        }
        if let Some(v) = patch.role {
            after.role = v;
        }
        if let Some(v) = patch.is_active {
            after.is_active = v;
        }
        after
    }
}

impl ApiKey {
    #[must_use]
    pub fn audited(&self) -> Value {
        json!({
            "name": self.name,
            "prefix": self.prefix,
            "revoked_at": self.revoked_at,
        })
    }

    #[must_use]
    pub fn audit_target(&self) -> Target {
        Target::new("api_key", self.id)
    }
}
