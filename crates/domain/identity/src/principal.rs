use merx_kernel::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{ApiKeyId, Email, Role, UserId};

/// The claims inside an access token (a JWT): `sub`, `email`, `role`, `iat`, `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub sub: UserId,
    pub email: Email,
    pub role: Role,
    /// Seconds since the Unix epoch.
    pub iat: i64,
    /// Seconds since the Unix epoch.
    pub exp: i64,
}

/// Who is calling: a signed-in user or a server holding an admin API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User {
        id: UserId,
        email: Email,
        role: Role,
    },
    ApiKey {
        id: ApiKeyId,
    },
}

impl Principal {
    #[must_use]
    pub fn is_admin(&self) -> bool {
        match self {
            Self::User { role, .. } => *role == Role::Admin,
            Self::ApiKey { .. } => true,
        }
    }

    #[must_use]
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::User { id, .. } => Some(*id),
            Self::ApiKey { .. } => None,
        }
    }

    /// Whether this caller may see or change what belongs to `owner`.
    #[must_use]
    pub fn may_act_for(&self, owner: UserId) -> bool {
        self.is_admin() || self.user_id() == Some(owner)
    }
}

impl AccessClaims {
    #[must_use]
    pub fn is_expired_at(&self, now: Timestamp) -> bool {
        now.timestamp() >= self.exp
    }
}
