use chrono::Duration;
use merx_identity::UserId;
use merx_kernel::{Currency, ProductId, Timestamp, VariantId};

merx_kernel::typed_id!(
    /// Identifies a cart.
    CartId
);
merx_kernel::typed_id!(
    /// Identifies a line of a cart.
    CartItemId
);

/// Most units of one variant a line may hold.
pub const MAX_LINE_QUANTITY: i64 = 99;
/// Most lines a cart holds (spec §17): what Stripe takes in one Checkout Session.
pub const MAX_LINES: usize = 100;
/// A cart expires this long after its last change.
pub const CART_LIFETIME_DAYS: i64 = 30;

/// Whose cart it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CartOwner {
    User(UserId),
    /// A guest, known by the `X-Session-ID` sent when the cart was created.
    Guest(String),
}

/// Who is asking, as carts see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CartCaller {
    pub user: Option<UserId>,
    pub session: Option<String>,
    pub is_admin: bool,
}

impl CartCaller {
    /// The owner a new cart of this caller gets: the user when signed in, else the session.
    #[must_use]
    pub fn owner(&self) -> Option<CartOwner> {
        match (&self.user, &self.session) {
            (Some(user), _) => Some(CartOwner::User(*user)),
            (None, Some(session)) => Some(CartOwner::Guest(session.clone())),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CartItem {
    pub id: CartItemId,
    pub product_id: ProductId,
    pub variant_id: VariantId,
    pub quantity: i64,
    /// What the storefront attached (`{"source": "3d_experience", "scene": …}`), returned as is.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub added_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cart {
    pub id: CartId,
    pub owner: CartOwner,
    pub currency: Currency,
    /// In the order they were first added.
    pub items: Vec<CartItem>,
    /// Upper case, as applied.
    pub discount_code: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub expires_at: Timestamp,
}

/// The time of a change and the expiry it gives the cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Touch {
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

impl Touch {
    #[must_use]
    pub fn at(now: Timestamp) -> Self {
        Self {
            now,
            expires_at: now + Duration::days(CART_LIFETIME_DAYS),
        }
    }
}

impl Cart {
    #[must_use]
    pub fn is_expired(&self, now: Timestamp) -> bool {
        self.expires_at <= now
    }

    /// Its owner (a guest by the session id it was created with) or an admin.
    #[must_use]
    pub fn is_visible_to(&self, caller: &CartCaller) -> bool {
        caller.is_admin
            || match &self.owner {
                CartOwner::User(owner) => caller.user == Some(*owner),
                CartOwner::Guest(session) => caller.session.as_deref() == Some(session.as_str()),
            }
    }

    #[must_use]
    pub fn item(&self, id: CartItemId) -> Option<&CartItem> {
        self.items.iter().find(|i| i.id == id)
    }

    #[must_use]
    pub fn line_of(&self, variant: VariantId) -> Option<&CartItem> {
        self.items.iter().find(|i| i.variant_id == variant)
    }

    /// Whether a line of `variant` would be one line too many: more of a line already held
    /// always fits.
    #[must_use]
    pub fn is_full_for(&self, variant: VariantId) -> bool {
        self.items.len() >= MAX_LINES && self.line_of(variant).is_none()
    }

    #[must_use]
    pub fn user_id(&self) -> Option<UserId> {
        match self.owner {
            CartOwner::User(id) => Some(id),
            CartOwner::Guest(_) => None,
        }
    }

    #[must_use]
    pub fn session_id(&self) -> Option<&str> {
        match &self.owner {
            CartOwner::Guest(s) => Some(s),
            CartOwner::User(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cart(owner: CartOwner) -> Cart {
        let now = chrono::Utc::now();
        Cart {
            id: CartId::new(),
            owner,
            currency: Currency::Usd,
            items: vec![],
            discount_code: None,
            created_at: now,
            updated_at: now,
            expires_at: Touch::at(now).expires_at,
        }
    }

    #[test]
    fn only_the_owner_or_an_admin_sees_a_cart() {
        let alice = UserId::new();
        let users = cart(CartOwner::User(alice));
        let guests = cart(CartOwner::Guest("sess-1".into()));
        let as_alice = CartCaller {
            user: Some(alice),
            ..CartCaller::default()
        };
        let as_guest = CartCaller {
            session: Some("sess-1".into()),
            ..CartCaller::default()
        };
        let as_other = CartCaller {
            user: Some(UserId::new()),
            session: Some("sess-2".into()),
            is_admin: false,
        };
        let admin = CartCaller {
            is_admin: true,
            ..CartCaller::default()
        };
        assert!(users.is_visible_to(&as_alice) && !users.is_visible_to(&as_guest));
        assert!(guests.is_visible_to(&as_guest) && !guests.is_visible_to(&as_alice));
        assert!(!users.is_visible_to(&as_other) && !guests.is_visible_to(&as_other));
        assert!(users.is_visible_to(&admin) && guests.is_visible_to(&admin));
    }

    #[test]
    fn carts_expire_thirty_days_after_their_last_change() {
        let c = cart(CartOwner::Guest("s".into()));
        assert!(!c.is_expired(c.updated_at + Duration::days(29)));
        assert!(c.is_expired(c.updated_at + Duration::days(30)));
    }
}
