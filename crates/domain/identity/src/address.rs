use merx_kernel::{PostalAddress, Timestamp, ValidationErrors, typed_id};
use serde::{Deserialize, Serialize};

use crate::UserId;

typed_id!(
    /// Identifies a saved address.
    AddressId
);

/// What an address is for; each user has at most one default of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    Shipping,
    Billing,
}

impl AddressKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Shipping => "shipping",
            Self::Billing => "billing",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "shipping" => Some(Self::Shipping),
            "billing" => Some(Self::Billing),
            _ => None,
        }
    }
}

/// An address in a user's address book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedAddress {
    pub id: AddressId,
    pub user_id: UserId,
    pub kind: AddressKind,
    pub address: PostalAddress,
    pub is_default: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A new address as the client sends it.
#[derive(Debug, Clone)]
pub struct AddressInput {
    /// `None` means shipping.
    pub kind: Option<AddressKind>,
    pub address: PostalAddress,
    pub is_default: bool,
}

/// A partial update; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct AddressPatch {
    pub kind: Option<AddressKind>,
    pub name: Option<String>,
    pub phone: Option<Option<String>>,
    pub line1: Option<String>,
    pub line2: Option<Option<String>>,
    pub city: Option<String>,
    pub state: Option<Option<String>>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub is_default: Option<bool>,
}

impl AddressPatch {
    /// The kind and address with this patch applied, validated as a whole. Whether the result
    /// is a default is the address book's rule, not the patch's.
    pub(crate) fn apply(
        self,
        current: &SavedAddress,
    ) -> Result<(AddressKind, PostalAddress), ValidationErrors> {
        let mut a = current.address.clone();
        fn replace<T>(slot: &mut T, value: Option<T>) {
            if let Some(v) = value {
                *slot = v;
            }
        }
        replace(&mut a.name, self.name);
        replace(&mut a.phone, self.phone);
        replace(&mut a.line1, self.line1);
        replace(&mut a.line2, self.line2);
        replace(&mut a.city, self.city);
        replace(&mut a.state, self.state);
        replace(&mut a.postal_code, self.postal_code);
        replace(&mut a.country, self.country);
        Ok((self.kind.unwrap_or(current.kind), a.normalized("")?))
    }
}
