//! Direct reservations for integrators (spec §16): a 3D showroom holding an item while the
//! buyer looks, a partner checkout. All or nothing, through the inventory's holds. A cart's
//! reservation is the cart's one (a new one replaces it, its id is the cart's), and a checkout
//! session or order of that cart takes it over in its own hold, so no unit is held twice.

use merx_cart::{Cart, CartCaller, CartId, Shortfall};
use merx_inventory::{ReservationLine, ReserveOutcome, Shortage};
use merx_kernel::{Timestamp, ValidationErrors};

use crate::service::named_shortfalls;
use crate::{CheckoutError, CheckoutService};

/// The longest a direct reservation holds, and its default (minutes).
pub const MAX_RESERVATION_MINUTES: i64 = 60;
pub const DEFAULT_RESERVATION_MINUTES: i64 = 15;
/// At most this many lines, of at most 99 units each.
const MAX_LINES: usize = 100;
const MAX_QUANTITY: i64 = 99;

/// The holder of a cart's direct reservation.
#[must_use]
pub fn cart_hold(cart: CartId) -> String {
    format!("cart-hold:{cart}")
}

/// The holder of a direct reservation without a cart.
#[must_use]
pub fn reservation_hold(id: uuid::Uuid) -> String {
    format!("reservation:{id}")
}

/// Spec §17: a cart owner's reservation holds at most what the cart holds: each variant one of
/// the cart's lines, its units (duplicate lines added up) at most that line's. Admins and API
/// keys reserve freely; an owner may not hold a shop's stock that their cart does not want.
///
/// # Errors
/// A validation error naming `items` for the first line beyond the cart.
pub fn within_cart(items: &[ReservationLine], cart: &Cart) -> Result<(), ValidationErrors> {
    for line in merx_inventory::merged(items) {
        let held = cart.line_of(line.variant_id).map_or(0, |l| l.quantity);
        if line.quantity > held {
            return Err(ValidationErrors::single(
                "items",
                format!(
                    "variant {} asks for {} but the cart holds {held}: a cart's reservation holds \
                     at most what the cart holds",
                    line.variant_id, line.quantity
                ),
            ));
        }
    }
    Ok(())
}

/// `POST /inventory/reserve`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationAsk {
    pub items: Vec<ReservationLine>,
    pub cart: Option<CartId>,
    pub minutes: Option<i64>,
}

/// A direct reservation made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectReservation {
    /// The cart's id for a cart's reservation, else its own.
    pub id: uuid::Uuid,
    pub items: Vec<ReservationLine>,
    pub expires_at: Timestamp,
}

impl CheckoutService {
    /// Holds `ask.items` for the asked minutes (1 to 60, 15 by default), all or nothing. An
    /// admin or API key may reserve freely; anyone else only for a cart they own.
    ///
    /// # Errors
    /// `Validation`; `Forbidden`; `Cart(NotFound)` for a cart the caller does not own;
    /// `Insufficient` listing every short line (then nothing is held).
    pub async fn reserve_directly(
        &self,
        ask: ReservationAsk,
        caller: &CartCaller,
    ) -> Result<DirectReservation, CheckoutError> {
        let minutes = ask.minutes.unwrap_or(DEFAULT_RESERVATION_MINUTES);
        let mut errors = ValidationErrors::new();
        if !(1..=MAX_RESERVATION_MINUTES).contains(&minutes) {
            errors.add("reservation_minutes", "must be 1 to 60");
        }
        if ask.items.is_empty() || ask.items.len() > MAX_LINES {
            errors.add("items", "must hold 1 to 100 lines");
        }
        if ask
            .items
            .iter()
            .any(|l| !(1..=MAX_QUANTITY).contains(&l.quantity))
        {
            errors.add("items", "each quantity must be 1 to 99");
        }
        errors.into_result()?;
        let (id, holder) = match ask.cart {
            Some(cart) => {
                // The caller's own cart (or an admin's view of any).
                let held = self.carts.get(cart, caller).await?;
                if !caller.is_admin {
                    within_cart(&ask.items, &held)?;
                }
                (*cart.as_uuid(), cart_hold(cart))
            }
            None if caller.is_admin => {
                let id = uuid::Uuid::now_v7();
                (id, reservation_hold(id))
            }
            None => return Err(CheckoutError::Forbidden),
        };
        let ttl = chrono::Duration::minutes(minutes);
        match self.inventory.reserve(&holder, &ask.items, ttl).await? {
            ReserveOutcome::Reserved => Ok(DirectReservation {
                id,
                items: merx_inventory::merged(&ask.items),
                expires_at: self.clock.now() + ttl,
            }),
            ReserveOutcome::Short(short) => {
                Err(CheckoutError::Insufficient(self.named(&short).await?))
            }
        }
    }

    /// Short lines named by their SKUs (spec §15), as a cart's refusal names them.
    async fn named(&self, short: &[Shortage]) -> Result<Vec<Shortfall>, CheckoutError> {
        let variants: Vec<_> = short.iter().map(|s| s.variant_id).collect();
        let skus = self.carts.skus_of(&variants).await?;
        Ok(named_shortfalls(short, |variant| {
            skus.get(&variant).cloned()
        }))
    }

    /// Releases a direct reservation: an admin's any, anyone else only their cart's.
    ///
    /// # Errors
    /// `NotFound` when there is nothing of the caller's to release.
    pub async fn release_directly(
        &self,
        id: uuid::Uuid,
        caller: &CartCaller,
    ) -> Result<(), CheckoutError> {
        let cart = CartId::from_uuid(id);
        let mine = caller.is_admin || self.carts.get(cart, caller).await.is_ok();
        let mut released = 0;
        if mine {
            released += self.inventory.release(&cart_hold(cart)).await?;
        }
        if caller.is_admin {
            released += self.inventory.release(&reservation_hold(id)).await?;
        }
        if released == 0 {
            return Err(CheckoutError::ReservationNotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use merx_cart::{CartItem, CartItemId, CartOwner};
    use merx_kernel::{Currency, ProductId, VariantId};

    use super::*;

    fn cart_of(lines: &[(VariantId, i64)]) -> Cart {
        let now = chrono::Utc::now();
        Cart {
            id: CartId::new(),
            owner: CartOwner::Guest("sess-owner-1".into()),
            currency: Currency::Usd,
            items: lines
                .iter()
                .map(|&(variant_id, quantity)| CartItem {
                    id: CartItemId::new(),
                    product_id: ProductId::new(),
                    variant_id,
                    quantity,
                    metadata: serde_json::Map::new(),
                    added_at: now,
                })
                .collect(),
            discount_code: None,
            created_at: now,
            updated_at: now,
            expires_at: now,
        }
    }

    fn line(variant_id: VariantId, quantity: i64) -> ReservationLine {
        ReservationLine {
            variant_id,
            quantity,
        }
    }

    #[test]
    fn an_owner_reserves_at_most_what_the_cart_holds() {
        let (a, b, stranger) = (VariantId::new(), VariantId::new(), VariantId::new());
        let cart = cart_of(&[(a, 3), (b, 1)]);
        assert!(within_cart(&[line(a, 3), line(b, 1)], &cart).is_ok());
        assert!(within_cart(&[line(a, 1)], &cart).is_ok(), "less is fine");
        assert!(
            within_cart(&[line(a, 4)], &cart).is_err(),
            "more than the line"
        );
        assert!(
            within_cart(&[line(a, 2), line(a, 2)], &cart).is_err(),
            "duplicate lines add up"
        );
        assert!(
            within_cart(&[line(stranger, 1)], &cart).is_err(),
            "not in the cart"
        );
    }
}
