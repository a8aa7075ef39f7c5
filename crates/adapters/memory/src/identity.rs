use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use merx_identity::{
    AddressId, AddressRepository, ApiKey, ApiKeyId, ApiKeyRepository, Email, IdentityError,
    OneTimeToken, OneTimeTokenRepository, RefreshToken, RefreshTokenId, RefreshTokenRepository,
    SavedAddress, SecretHash, TokenFamilyId, TokenPurpose, User, UserId, UserRepository,
};
use merx_kernel::{StoreError, Timestamp};

use crate::lock;

#[derive(Debug, Default)]
pub struct MemoryUsers {
    users: Mutex<HashMap<UserId, User>>,
}

#[async_trait]
impl UserRepository for MemoryUsers {
    async fn insert(&self, user: &User) -> Result<(), IdentityError> {
        let mut users = lock(&self.users);
        if users.values().any(|u| u.email == user.email) {
            return Err(IdentityError::EmailTaken);
        }
        users.insert(user.id, user.clone());
        Ok(())
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(lock(&self.users).get(&id).cloned())
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        Ok(lock(&self.users)
            .values()
            .find(|u| &u.email == email)
            .cloned())
    }

    async fn update(&self, user: &User) -> Result<bool, StoreError> {
        let mut users = lock(&self.users);
        let Some(stored) = users.get_mut(&user.id) else {
            return Ok(false);
        };
        *stored = User {
            id: stored.id,
            email: stored.email.clone(),
            created_at: stored.created_at,
            ..user.clone()
        };
        Ok(true)
    }
}

#[derive(Debug, Default)]
pub struct MemoryRefreshTokens {
    tokens: Mutex<HashMap<RefreshTokenId, RefreshToken>>,
}

impl MemoryRefreshTokens {
    fn revoke_where(&self, at: Timestamp, matches: impl Fn(&RefreshToken) -> bool) {
        for token in lock(&self.tokens).values_mut() {
            if token.revoked_at.is_none() && matches(token) {
                token.revoked_at = Some(at);
            }
        }
    }
}

#[async_trait]
impl RefreshTokenRepository for MemoryRefreshTokens {
    async fn insert(&self, token: &RefreshToken) -> Result<(), StoreError> {
        lock(&self.tokens).insert(token.id, token.clone());
        Ok(())
    }

    async fn find_by_hash(&self, hash: &SecretHash) -> Result<Option<RefreshToken>, StoreError> {
        Ok(lock(&self.tokens)
            .values()
            .find(|t| &t.token_hash == hash)
            .cloned())
    }

    async fn mark_used(&self, id: RefreshTokenId, at: Timestamp) -> Result<bool, StoreError> {
        let mut tokens = lock(&self.tokens);
        match tokens.get_mut(&id) {
            Some(t) if t.used_at.is_none() && t.revoked_at.is_none() => {
                t.used_at = Some(at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn revoke_family(&self, family: TokenFamilyId, at: Timestamp) -> Result<(), StoreError> {
        self.revoke_where(at, |t| t.family_id == family);
        Ok(())
    }

    async fn revoke_all_for_user(&self, user: UserId, at: Timestamp) -> Result<(), StoreError> {
        self.revoke_where(at, |t| t.user_id == user);
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct MemoryOneTimeTokens {
    tokens: Mutex<Vec<OneTimeToken>>,
}

#[async_trait]
impl OneTimeTokenRepository for MemoryOneTimeTokens {
    async fn insert(&self, token: &OneTimeToken) -> Result<(), StoreError> {
        lock(&self.tokens).push(token.clone());
        Ok(())
    }

    async fn consume(
        &self,
        purpose: TokenPurpose,
        hash: &SecretHash,
        at: Timestamp,
    ) -> Result<Option<OneTimeToken>, StoreError> {
        let mut tokens = lock(&self.tokens);
        let found = tokens
            .iter_mut()
            .find(|t| t.purpose == purpose && &t.token_hash == hash && t.used_at.is_none());
        Ok(found.map(|t| {
            let before = t.clone();
            t.used_at = Some(at);
            before
        }))
    }
}

#[derive(Debug, Default)]
pub struct MemoryApiKeys {
    keys: Mutex<Vec<ApiKey>>,
}

#[async_trait]
impl ApiKeyRepository for MemoryApiKeys {
    async fn insert(&self, key: &ApiKey) -> Result<(), StoreError> {
        lock(&self.keys).push(key.clone());
        Ok(())
    }

    async fn find_by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError> {
        Ok(lock(&self.keys)
            .iter()
            .find(|k| &k.key_hash == hash)
            .cloned())
    }

    async fn list(&self) -> Result<Vec<ApiKey>, StoreError> {
        let mut keys = lock(&self.keys).clone();
        keys.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(keys)
    }

    async fn revoke(&self, id: ApiKeyId, at: Timestamp) -> Result<bool, StoreError> {
        let mut keys = lock(&self.keys);
        match keys
            .iter_mut()
            .find(|k| k.id == id && k.revoked_at.is_none())
        {
            Some(k) => {
                k.revoked_at = Some(at);
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

#[derive(Debug, Default)]
pub struct MemoryAddresses {
    addresses: Mutex<Vec<SavedAddress>>,
}

#[async_trait]
impl AddressRepository for MemoryAddresses {
    async fn list_for_user(&self, user: UserId) -> Result<Vec<SavedAddress>, StoreError> {
        let mut list: Vec<_> = lock(&self.addresses)
            .iter()
            .filter(|a| a.user_id == user)
            .cloned()
            .collect();
        list.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(list)
    }

    async fn find(&self, user: UserId, id: AddressId) -> Result<Option<SavedAddress>, StoreError> {
        Ok(lock(&self.addresses)
            .iter()
            .find(|a| a.user_id == user && a.id == id)
            .cloned())
    }

    async fn save(&self, address: &SavedAddress) -> Result<(), StoreError> {
        let mut all = lock(&self.addresses);
        if address.is_default {
            for other in all.iter_mut() {
                if other.user_id == address.user_id
                    && other.kind == address.kind
                    && other.id != address.id
                {
                    other.is_default = false;
                }
            }
        }
        match all.iter_mut().find(|a| a.id == address.id) {
            Some(existing) => *existing = address.clone(),
            None => all.push(address.clone()),
        }
        Ok(())
    }

    async fn delete(&self, user: UserId, id: AddressId) -> Result<bool, StoreError> {
        let mut all = lock(&self.addresses);
        let before = all.len();
        all.retain(|a| !(a.user_id == user && a.id == id));
        Ok(all.len() != before)
    }
}
