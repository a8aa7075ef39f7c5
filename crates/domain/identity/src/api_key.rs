use merx_kernel::{Timestamp, typed_id};

use crate::SecretHash;

typed_id!(
    /// Identifies an admin API key.
    ApiKeyId
);

/// A server-to-server admin credential sent as `X-Api-Key`. Only its hash is stored; `prefix`
/// (the first characters of the key) lets an admin recognise it in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub prefix: String,
    pub key_hash: SecretHash,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A key just created: the only moment its secret exists outside the client.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub key: ApiKey,
    pub secret: String,
}
