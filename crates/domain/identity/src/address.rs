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
    pub kind: AddressKind,
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
    /// The address with this patch applied, validated as a whole.
    pub(crate) fn apply(
        self,
        current: &SavedAddress,
    ) -> Result<(AddressKind, PostalAddress, bool), ValidationErrors> {
        let mut a = current.address.clone();
        if let Some(v) = self.name {
            a.name = v;
        }
        if let Some(v) = self.phone {
            a.phone = v;
        }
        if let Some(v) = self.line1 {
            a.line1 = v;
        }
        if let Some(v) = self.line2 {
            a.line2 = v;
        }
        if let Some(v) = self.city {
            a.city = v;
        }
        if let Some(v) = self.state {
            a.state = v;
        }
        if let Some(v) = self.postal_code {
            a.postal_code = v;
        }
        if let Some(v) = self.country {
            a.country = v;
        }
        let address = a.normalized("")?;
        Ok((
            self.kind.unwrap_or(current.kind),
            address,
            self.is_default.unwrap_or(current.is_default),
        ))
    }
}
