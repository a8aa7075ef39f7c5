use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use merx_identity::{
    AddressId, AddressRepository, ApiKey, ApiKeyId, ApiKeyRepository, Email, IdentityError,
    OneTimeToken, OneTimeTokenRepository, PasswordHash, RefreshToken, RefreshTokenId,
    RefreshTokenRepository, Role, SavedAddress, SecretHash, TokenFamilyId, TokenPurpose, User,
    UserId, UserPatch, UserRepository,
};
use merx_kernel::{AuditEntry, Page, PageRequest, StoreError, Timestamp};

use crate::audit_log::writes_audit_log;
use crate::{MemoryAuditLog, lock};

#[derive(Debug, Default)]
pub struct MemoryUsers {
    users: Mutex<HashMap<UserId, User>>,
    audit: MemoryAuditLog,
}

writes_audit_log!(MemoryUsers, MemoryApiKeys);

#[async_trait]
impl UserRepository for MemoryUsers {
    async fn insert(&self, user: &User, audit: Option<AuditEntry>) -> Result<(), IdentityError> {
        let mut users = lock(&self.users);
        if users.values().any(|u| u.email == user.email) {
            return Err(IdentityError::EmailTaken);
        }
        users.insert(user.id, user.clone());
        self.audit.record(audit);
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

    async fn list_customers(
        &self,
        search: Option<String>,
        page: PageRequest,
    ) -> Result<Page<User>, StoreError> {
        let mut found: Vec<User> = lock(&self.users)
            .values()
            .filter(|u| u.role == Role::Customer)
            .filter(|u| {
                search.as_deref().is_none_or(|s| {
                    u.email.as_str().contains(s)
                        || u.full_name
                            .as_deref()
                            .is_some_and(|n| n.to_lowercase().contains(s))
                })
            })
            .cloned()
            .collect();
        found.sort_by(|a, b| (b.created_at, b.id.as_uuid()).cmp(&(a.created_at, a.id.as_uuid())));
        let total = found.len() as u64;
        let items = found
            .into_iter()
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(page.page_size() as usize)
            .collect();
        Ok(Page::new(items, total, page))
    }

    async fn update_profile(
        &self,
        id: UserId,
        patch: &UserPatch,
        at: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<Option<User>, StoreError> {
        Ok(self.modify(id, audit, |u| {
            if let Some(name) = &patch.full_name {
                u.full_name.clone_from(name);
            }
            if let Some(phone) = &patch.phone {
                u.phone.clone_from(phone);
            }
            if let Some(attributes) = &patch.attributes {
                u.attributes.clone_from(attributes);
            }
            if let Some(role) = patch.role {
                u.role = role;
            }
            if let Some(active) = patch.is_active {
                u.is_active = active;
            }
            u.updated_at = at;
        }))
    }

    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        Ok(self
            .modify(id, None, |u| {
                u.password_hash = hash.clone();
                u.updated_at = at;
            })
            .is_some())
    }

    async fn mark_verified(&self, id: UserId, at: Timestamp) -> Result<bool, StoreError> {
        Ok(self
            .modify(id, None, |u| {
                u.is_verified = true;
                u.updated_at = at;
            })
            .is_some())
    }

    async fn grant_admin(&self, id: UserId, at: Timestamp) -> Result<bool, StoreError> {
        Ok(self
            .modify(id, None, |u| {
                u.role = Role::Admin;
                u.is_active = true;
                u.updated_at = at;
            })
            .is_some())
    }
}

impl MemoryUsers {
    /// Applies `change` to the stored user under the lock, with the write's audit entry;
    /// the user afterwards, if any.
    fn modify(
        &self,
        id: UserId,
        audit: Option<AuditEntry>,
        change: impl FnOnce(&mut User),
    ) -> Option<User> {
        let mut users = lock(&self.users);
        let user = users.get_mut(&id)?;
        change(user);
        self.audit.record(audit);
        Some(user.clone())
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

    async fn rotate(
        &self,
        spent: RefreshTokenId,
        next: &RefreshToken,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tokens = lock(&self.tokens);
        match tokens.get_mut(&spent) {
            Some(t) if t.used_at.is_none() && t.revoked_at.is_none() => {
                t.used_at = Some(at);
                tokens.insert(next.id, next.clone());
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
    audit: MemoryAuditLog,
}

#[async_trait]
impl ApiKeyRepository for MemoryApiKeys {
    async fn insert(&self, key: &ApiKey, audit: Option<AuditEntry>) -> Result<(), StoreError> {
        let mut keys = lock(&self.keys);
        keys.push(key.clone());
        self.audit.record(audit);
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

    async fn revoke(
        &self,
        id: ApiKeyId,
        at: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<bool, StoreError> {
        let mut keys = lock(&self.keys);
        match keys
            .iter_mut()
            .find(|k| k.id == id && k.revoked_at.is_none())
        {
            Some(k) => {
                k.revoked_at = Some(at);
                self.audit.record(audit);
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

    async fn insert(&self, address: &SavedAddress) -> Result<(), StoreError> {
        let mut all = lock(&self.addresses);
        if address.is_default {
            clear_defaults(&mut all, address);
        }
        all.push(address.clone());
        Ok(())
    }

    async fn update(&self, address: &SavedAddress) -> Result<bool, StoreError> {
        let mut all = lock(&self.addresses);
        if !all
            .iter()
            .any(|a| a.id == address.id && a.user_id == address.user_id)
        {
            return Ok(false);
        }
        if address.is_default {
            clear_defaults(&mut all, address);
        }
        for a in all.iter_mut().filter(|a| a.id == address.id) {
            *a = address.clone();
        }
        Ok(true)
    }

    async fn make_default(
        &self,
        user: UserId,
        id: AddressId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut all = lock(&self.addresses);
        let Some(target) = all
            .iter()
            .find(|a| a.id == id && a.user_id == user)
            .cloned()
        else {
            return Ok(false);
        };
        clear_defaults(&mut all, &target);
        for a in all.iter_mut().filter(|a| a.id == id) {
            a.is_default = true;
            a.updated_at = at;
        }
        Ok(true)
    }

    async fn delete(&self, user: UserId, id: AddressId) -> Result<bool, StoreError> {
        let mut all = lock(&self.addresses);
        let before = all.len();
        all.retain(|a| !(a.user_id == user && a.id == id));
        Ok(all.len() != before)
    }
}

/// Unsets the default of every other address of `keep`'s user and kind.
fn clear_defaults(all: &mut [SavedAddress], keep: &SavedAddress) {
    for other in all.iter_mut() {
        if other.user_id == keep.user_id && other.kind == keep.kind && other.id != keep.id {
            other.is_default = false;
        }
    }
}
