use std::sync::Arc;

use merx_kernel::Clock;

use crate::{
    AddressId, AddressInput, AddressKind, AddressPatch, AddressRepository, IdentityError,
    SavedAddress, UserId,
};

/// Users' saved addresses, with at most one default per kind. The first address of a kind
/// becomes its default; when the default leaves its kind (deleted, or moved to another kind),
/// the oldest remaining address of that kind takes over.
pub struct AddressBook {
    addresses: Arc<dyn AddressRepository>,
    clock: Arc<dyn Clock>,
}

const NOT_FOUND: IdentityError = IdentityError::NotFound("address");

impl AddressBook {
    #[must_use]
    pub fn new(addresses: Arc<dyn AddressRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { addresses, clock }
    }

    /// # Errors
    /// `Store` on storage failure.
    pub async fn list(&self, user: UserId) -> Result<Vec<SavedAddress>, IdentityError> {
        Ok(self.addresses.list_for_user(user).await?)
    }

    /// # Errors
    /// `Validation` for missing or malformed fields.
    pub async fn add(
        &self,
        user: UserId,
        input: AddressInput,
    ) -> Result<SavedAddress, IdentityError> {
        let address = input.address.normalized("")?;
        let kind = input.kind.unwrap_or(AddressKind::Shipping);
        let is_default = input.is_default || !self.has_kind(user, kind, None).await?;
        let now = self.clock.now();
        let saved = SavedAddress {
            id: AddressId::new(),
            user_id: user,
            kind,
            address,
            is_default,
            created_at: now,
            updated_at: now,
        };
        self.addresses.insert(&saved).await?;
        Ok(saved)
    }

    /// # Errors
    /// `NotFound` when the user has no such address; `Validation` for bad fields.
    pub async fn update(
        &self,
        user: UserId,
        id: AddressId,
        patch: AddressPatch,
    ) -> Result<SavedAddress, IdentityError> {
        let current = self.addresses.find(user, id).await?.ok_or(NOT_FOUND)?;
        let wants_default = patch.is_default;
        let (kind, address) = patch.apply(&current)?;
        let moved = kind != current.kind;
        let is_default = match wants_default {
            Some(flag) => flag,
            // A default moved to another kind is that kind's default only if it has none.
            None if moved => !self.has_kind(user, kind, Some(id)).await?,
            None => current.is_default,
        };
        let saved = SavedAddress {
            kind,
            address,
            is_default,
            updated_at: self.clock.now(),
            ..current.clone()
        };
        if !self.addresses.update(&saved).await? {
            return Err(NOT_FOUND);
        }
        if current.is_default && (moved || !is_default) {
            self.promote_heir(user, current.kind, Some(id)).await?;
        }
        Ok(saved)
    }

    /// # Errors
    /// `NotFound` when the user has no such address.
    pub async fn delete(&self, user: UserId, id: AddressId) -> Result<(), IdentityError> {
        let removed = self.addresses.find(user, id).await?.ok_or(NOT_FOUND)?;
        if !self.addresses.delete(user, id).await? {
            return Err(NOT_FOUND);
        }
        if removed.is_default {
            self.promote_heir(user, removed.kind, None).await?;
        }
        Ok(())
    }

    async fn has_kind(
        &self,
        user: UserId,
        kind: AddressKind,
        except: Option<AddressId>,
    ) -> Result<bool, IdentityError> {
        let all = self.addresses.list_for_user(user).await?;
        Ok(all.iter().any(|a| a.kind == kind && Some(a.id) != except))
    }

    /// Gives `kind` a default again: its oldest address other than `except`, if any.
    async fn promote_heir(
        &self,
        user: UserId,
        kind: AddressKind,
        except: Option<AddressId>,
    ) -> Result<(), IdentityError> {
        let all = self.addresses.list_for_user(user).await?;
        if all.iter().any(|a| a.kind == kind && a.is_default) {
            return Ok(());
        }
        if let Some(heir) = all.iter().find(|a| a.kind == kind && Some(a.id) != except) {
            self.addresses
                .make_default(user, heir.id, self.clock.now())
                .await?;
        }
        Ok(())
    }
}
