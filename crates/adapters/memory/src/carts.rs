use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use merx_cart::{AddOutcome, Cart, CartId, CartItem, CartItemId, CartOwner, CartRepository, Touch};
use merx_kernel::{ProductId, StoreError, Timestamp};

use crate::catalog::ProductReferences;
use crate::lock;

/// Carts in memory; every method is one atomic step under the lock.
#[derive(Debug, Default)]
pub struct MemoryCarts {
    carts: Mutex<HashMap<CartId, Cart>>,
    /// What the funnel report counts of each cart, kept after the cart is gone.
    milestones: Mutex<HashMap<CartId, CartMilestones>>,
}

/// When a cart was created, first held an item, and was spent by an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CartMilestones {
    pub(crate) created_at: Timestamp,
    pub(crate) first_item_at: Option<Timestamp>,
    pub(crate) ordered_at: Option<Timestamp>,
}

fn touched(cart: &mut Cart, touch: Touch) -> Cart {
    cart.updated_at = touch.now;
    cart.expires_at = touch.expires_at;
    cart.clone()
}

/// Adds `item` to the cart's line of its variant unless the line would pass `max`.
fn add_line(
    carts: &mut HashMap<CartId, Cart>,
    cart: CartId,
    item: &CartItem,
    max: i64,
    touch: Touch,
) -> AddOutcome {
    let Some(c) = carts.get_mut(&cart) else {
        return AddOutcome::NoCart;
    };
    match c.items.iter_mut().find(|i| i.variant_id == item.variant_id) {
        Some(line) => {
            if line.quantity + item.quantity > max {
                return AddOutcome::TooMany {
                    current: line.quantity,
                };
            }
            line.quantity += item.quantity;
            if !item.metadata.is_empty() {
                line.metadata = item.metadata.clone();
            }
        }
        None => {
            if item.quantity > max {
                return AddOutcome::TooMany { current: 0 };
            }
            c.items.push(item.clone());
        }
    }
    AddOutcome::Added(touched(c, touch))
}

fn current<'a>(
    carts: &'a HashMap<CartId, Cart>,
    owner: &CartOwner,
    now: Timestamp,
) -> Option<&'a Cart> {
    carts
        .values()
        .filter(|c| &c.owner == owner && !c.is_expired(now))
        .max_by_key(|c| (c.updated_at, c.id))
}

impl MemoryCarts {
    /// Empties the cart (an order took its lines).
    pub(crate) fn empty(&self, cart: CartId, now: Timestamp) {
        if let Some(c) = lock(&self.carts).get_mut(&cart) {
            c.items.clear();
            c.discount_code = None;
            c.updated_at = now;
        }
        if let Some(m) = lock(&self.milestones).get_mut(&cart) {
            m.ordered_at.get_or_insert(now);
        }
    }

    /// Records that `cart` exists and, when it holds items, that it held one by `at`.
    fn note(&self, cart: &Cart, at: Timestamp) {
        let mut all = lock(&self.milestones);
        let m = all.entry(cart.id).or_insert(CartMilestones {
            created_at: cart.created_at,
            first_item_at: None,
            ordered_at: None,
        });
        if !cart.items.is_empty() {
            m.first_item_at.get_or_insert(at);
        }
    }

    /// Every cart's milestones, the carts gone included.
    pub(crate) fn milestones(&self) -> Vec<CartMilestones> {
        lock(&self.milestones).values().copied().collect()
    }

    fn noted(&self, outcome: AddOutcome, at: Timestamp) -> AddOutcome {
        if let AddOutcome::Added(cart) = &outcome {
            self.note(cart, at);
        }
        outcome
    }
}

impl ProductReferences for MemoryCarts {
    fn references(&self, product: ProductId) -> bool {
        lock(&self.carts)
            .values()
            .any(|c| c.items.iter().any(|i| i.product_id == product))
    }
}

#[async_trait]
impl CartRepository for MemoryCarts {
    async fn insert(&self, cart: &Cart) -> Result<(), StoreError> {
        lock(&self.carts).insert(cart.id, cart.clone());
        self.note(cart, cart.created_at);
        Ok(())
    }

    async fn find(&self, id: CartId) -> Result<Option<Cart>, StoreError> {
        Ok(lock(&self.carts).get(&id).cloned())
    }

    async fn of_user(&self, user: merx_identity::UserId) -> Result<Vec<Cart>, StoreError> {
        let mut found: Vec<Cart> = lock(&self.carts)
            .values()
            .filter(|c| c.owner == CartOwner::User(user))
            .cloned()
            .collect();
        found.sort_by_key(|c| (c.created_at, c.id));
        Ok(found)
    }

    async fn find_current(
        &self,
        owner: &CartOwner,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        Ok(current(&lock(&self.carts), owner, touch.now).cloned())
    }

    async fn add_to_current(
        &self,
        new: &Cart,
        item: &CartItem,
        max: i64,
        touch: Touch,
    ) -> Result<AddOutcome, StoreError> {
        let mut carts = lock(&self.carts);
        let id = match current(&carts, &new.owner, touch.now) {
            Some(found) if found.currency != new.currency => {
                return Ok(AddOutcome::OtherCurrency(found.currency));
            }
            Some(found) => found.id,
            None => {
                carts.insert(new.id, new.clone());
                self.note(new, new.created_at);
                new.id
            }
        };
        let outcome = add_line(&mut carts, id, item, max, touch);
        drop(carts);
        Ok(self.noted(outcome, touch.now))
    }

    async fn add_item(
        &self,
        cart: CartId,
        item: &CartItem,
        max: i64,
        touch: Touch,
    ) -> Result<AddOutcome, StoreError> {
        let outcome = add_line(&mut lock(&self.carts), cart, item, max, touch);
        Ok(self.noted(outcome, touch.now))
    }

    async fn set_quantity(
        &self,
        cart: CartId,
        item: CartItemId,
        quantity: i64,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        let mut carts = lock(&self.carts);
        let Some(c) = carts.get_mut(&cart) else {
            return Ok(None);
        };
        let Some(line) = c.items.iter_mut().find(|i| i.id == item) else {
            return Ok(None);
        };
        line.quantity = quantity;
        Ok(Some(touched(c, touch)))
    }

    async fn remove_item(
        &self,
        cart: CartId,
        item: CartItemId,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        let mut carts = lock(&self.carts);
        let Some(c) = carts.get_mut(&cart) else {
            return Ok(None);
        };
        let before = c.items.len();
        c.items.retain(|i| i.id != item);
        if c.items.len() == before {
            return Ok(None);
        }
        Ok(Some(touched(c, touch)))
    }

    async fn clear(&self, cart: CartId, touch: Touch) -> Result<Option<Cart>, StoreError> {
        let mut carts = lock(&self.carts);
        Ok(carts.get_mut(&cart).map(|c| {
            c.items.clear();
            c.discount_code = None;
            touched(c, touch)
        }))
    }

    async fn set_discount(
        &self,
        cart: CartId,
        code: Option<String>,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        let mut carts = lock(&self.carts);
        Ok(carts.get_mut(&cart).map(|c| {
            if code.is_none() || c.discount_code.is_none() {
                c.discount_code = code;
            }
            touched(c, touch)
        }))
    }

    async fn merge(
        &self,
        from: CartId,
        into: CartId,
        lines: &[CartItem],
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        let mut carts = lock(&self.carts);
        if !carts.contains_key(&from) || !carts.contains_key(&into) {
            return Ok(None);
        }
        carts.remove(&from);
        let Some(target) = carts.get_mut(&into) else {
            return Ok(None);
        };
        for line in lines {
            match target
                .items
                .iter_mut()
                .find(|i| i.variant_id == line.variant_id)
            {
                Some(existing) => {
                    existing.quantity = line.quantity;
                    existing.metadata = line.metadata.clone();
                }
                None => target.items.push(line.clone()),
            }
        }
        target.items.retain(|i| i.quantity > 0);
        let merged = touched(target, touch);
        drop(carts);
        self.note(&merged, touch.now);
        Ok(Some(merged))
    }

    async fn reassign(
        &self,
        cart: CartId,
        owner: &CartOwner,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        let mut carts = lock(&self.carts);
        Ok(carts.get_mut(&cart).map(|c| {
            c.owner = owner.clone();
            touched(c, touch)
        }))
    }

    async fn references_product(&self, product: ProductId) -> Result<bool, StoreError> {
        Ok(self.references(product))
    }

    async fn delete_expired(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut carts = lock(&self.carts);
        let before = carts.len();
        carts.retain(|_, c| !c.is_expired(now));
        Ok((before - carts.len()) as u64)
    }
}
