use std::sync::Arc;

use merx_kernel::Clock;

use crate::{
    AddressId, AddressInput, AddressPatch, AddressRepository, IdentityError, SavedAddress, UserId,
};

/// Users' saved addresses, with one default per kind. The first address of a kind becomes its
/// default; deleting the default hands the role to the oldest remaining address of that kind.
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
        let existing = self.addresses.list_for_user(user).await?;
        let first_of_kind = !existing.iter().any(|a| a.kind == input.kind);
        let now = self.clock.now();
        let saved = SavedAddress {
            id: AddressId::new(),
            user_id: user,
            kind: input.kind,
            address,
            is_default: input.is_default || first_of_kind,
            created_at: now,
            updated_at: now,
        };
        self.addresses.save(&saved).await?;
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
        let (kind, address, is_default) = patch.apply(&current)?;
        let saved = SavedAddress {
            kind,
            address,
            is_default,
            updated_at: self.clock.now(),
            ..current
        };
        self.addresses.save(&saved).await?;
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
            let heir = self
                .addresses
                .list_for_user(user)
                .await?
                .into_iter()
                .find(|a| a.kind == removed.kind);
            if let Some(mut heir) = heir {
                heir.is_default = true;
                heir.updated_at = self.clock.now();
                self.addresses.save(&heir).await?;
            }
        }
        Ok(())
    }
}
