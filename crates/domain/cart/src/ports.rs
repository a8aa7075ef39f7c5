use async_trait::async_trait;
use merx_kernel::{Currency, ProductId, StoreError};

use crate::{Cart, CartId, CartItem, CartItemId, CartOwner, Touch};

/// What an atomic add did.
#[derive(Debug, Clone, PartialEq)]
pub enum AddOutcome {
    /// The line holds the new quantity; the cart as it is now.
    Added(Cart),
    /// The line would pass the maximum; it holds `current` units, unchanged.
    TooMany {
        current: i64,
    },
    NoCart,
    /// The owner's current cart is priced in another currency; nothing changed.
    OtherCurrency(Currency),
}

/// Carts with their lines. Every change is one atomic step that also moves the cart's
/// `updated_at` and `expires_at` to the given [`Touch`]; answers are the cart after the change
/// (`None` when the cart or line does not exist).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CartRepository: Send + Sync {
    async fn insert(&self, cart: &Cart) -> Result<(), StoreError>;

    async fn find(&self, id: CartId) -> Result<Option<Cart>, StoreError>;

    /// Every cart a signed-in user owns, expired ones included, oldest first (what a
    /// personal-data export holds).
    async fn of_user(&self, user: merx_identity::UserId) -> Result<Vec<Cart>, StoreError>;

    /// The owner's most recently changed cart that expires after `touch.now`.
    async fn find_current(
        &self,
        owner: &CartOwner,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError>;

    /// The owner's current cart, or `new` stored as it when there is none (one at a time per
    /// owner, so concurrent first adds share one cart), gets `item` as [`Self::add_item`] adds
    /// it, in one atomic step, unless that cart is in another currency than `new`'s.
    async fn add_to_current(
        &self,
        new: &Cart,
        item: &CartItem,
        max: i64,
        touch: Touch,
    ) -> Result<AddOutcome, StoreError>;

    /// Adds `item.quantity` to the cart's line of `item.variant_id` (creating the line with
    /// `item` when absent; metadata given replaces the line's), unless the line would then
    /// hold more than `max`. Concurrent adds to one line never lose an update.
    async fn add_item(
        &self,
        cart: CartId,
        item: &CartItem,
        max: i64,
        touch: Touch,
    ) -> Result<AddOutcome, StoreError>;

    async fn set_quantity(
        &self,
        cart: CartId,
        item: CartItemId,
        quantity: i64,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError>;

    async fn remove_item(
        &self,
        cart: CartId,
        item: CartItemId,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError>;

    /// Removes every line and the discount code.
    async fn clear(&self, cart: CartId, touch: Touch) -> Result<Option<Cart>, StoreError>;

    /// Sets (`Some`) or removes (`None`) the code. Setting never replaces another code: the
    /// cart comes back with the code it keeps, so a caller can tell it lost a race.
    async fn set_discount(
        &self,
        cart: CartId,
        code: Option<String>,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError>;

    /// Sets `into`'s lines of the given variants to the given quantities (adding the lines it
    /// lacks) and deletes `from`, atomically.
    async fn merge(
        &self,
        from: CartId,
        into: CartId,
        lines: &[CartItem],
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError>;

    /// Gives the cart to another owner (a guest cart to the user who just signed in).
    async fn reassign(
        &self,
        cart: CartId,
        owner: &CartOwner,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError>;

    /// Whether any cart holds a line of the product (the catalog archives such products
    /// instead of erasing them).
    async fn references_product(&self, product: ProductId) -> Result<bool, StoreError>;

    /// Deletes carts that expired before `now`; how many.
    async fn delete_expired(&self, now: merx_kernel::Timestamp) -> Result<u64, StoreError>;
}
