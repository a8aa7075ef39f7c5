use std::sync::Arc;

use merx_kernel::audit::{Author, Changes};
use merx_kernel::{Clock, ValidationErrors};

use crate::{
    ApiKey, ApiKeyId, ApiKeyRepository, IdentityError, NewApiKey, Principal, generate_secret,
    hash_secret,
};

/// Admin API keys for server-to-server calls (`X-Api-Key`).
pub struct ApiKeyService {
    keys: Arc<dyn ApiKeyRepository>,
    clock: Arc<dyn Clock>,
}

const KEY_PREFIX: &str = "mrx_";
/// Characters of the key kept in clear so admins can tell keys apart.
const SHOWN_CHARS: usize = 12;

impl ApiKeyService {
    #[must_use]
    pub fn new(keys: Arc<dyn ApiKeyRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { keys, clock }
    }

    /// Creates a key; its secret is in the result and nowhere else.
    ///
    /// # Errors
    /// `Validation` for an empty or over-long name.
    pub async fn create(&self, name: &str, by: &Author) -> Result<NewApiKey, IdentityError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || merx_kernel::has_control_chars(name) {
            return Err(ValidationErrors::single(
                "name",
                "must be 1 to 100 characters, without control characters",
            )
            .into());
        }
        let secret = generate_secret(KEY_PREFIX);
        let key = ApiKey {
            id: ApiKeyId::new(),
            name: name.to_owned(),
            prefix: secret.chars().take(SHOWN_CHARS).collect(),
            key_hash: hash_secret(&secret),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        let audit = by.entry(
            "api_key.create",
            key.audit_target(),
            Changes::between(&serde_json::Value::Null, &key.audited()),
            key.created_at,
        );
        self.keys.insert(&key, audit).await?;
        Ok(NewApiKey { key, secret })
    }

    /// The caller behind an `X-Api-Key` header.
    ///
    /// # Errors
    /// `Unauthenticated` for an unknown or revoked key.
    pub async fn authenticate(&self, secret: &str) -> Result<Principal, IdentityError> {
        match self.keys.find_by_hash(&hash_secret(secret)).await? {
            Some(key) if key.revoked_at.is_none() => Ok(Principal::ApiKey { id: key.id }),
            _ => Err(IdentityError::Unauthenticated),
        }
    }

    /// # Errors
    /// `Store` on storage failure.
    pub async fn list(&self) -> Result<Vec<ApiKey>, IdentityError> {
        Ok(self.keys.list().await?)
    }

    /// # Errors
    /// `NotFound` when there is no such active key.
    pub async fn revoke(&self, id: ApiKeyId, by: &Author) -> Result<(), IdentityError> {
        let now = self.clock.now();
        let audit = by.entry(
            "api_key.revoke",
            merx_kernel::audit::Target::new("api_key", id),
            Changes::field("revoked_at", serde_json::Value::Null, now.to_rfc3339()),
            now,
        );
        if self.keys.revoke(id, now, audit).await? {
            Ok(())
        } else {
            Err(IdentityError::NotFound("api key"))
        }
    }
}
