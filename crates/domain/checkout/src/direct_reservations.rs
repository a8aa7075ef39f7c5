//! Direct reservations for integrators (spec §16): a 3D showroom holding an item while the
//! buyer looks, a partner checkout. All or nothing, through the inventory's holds. A cart's
//! reservation is the cart's one (a new one replaces it, its id is the cart's), and a checkout
//! session or order of that cart takes it over in its own hold, so no unit is held twice.

use merx_cart::{CartCaller, CartId};
use merx_inventory::{ReservationLine, ReserveOutcome};
use merx_kernel::{Timestamp, ValidationErrors};

use crate::service::shortfalls;
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
                self.carts.get(cart, caller).await?;
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
                Err(CheckoutError::Insufficient(shortfalls(&short, &[])))
            }
        }
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
