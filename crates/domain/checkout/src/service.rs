//! The checkout service and what its flows share. The flows are in `sessions.rs` (open,
//! release, confirm), `orders_first.rs` (place, then pay) and `order_lifecycle.rs` (cancel,
//! admin edits, what runs out).

use std::sync::Arc;

use merx_cart::{CartService, Shortfall};
use merx_identity::{UserId, generate_secret, hash_secret};
use merx_inventory::{InventoryService, ReserveOutcome, Shortage, StockRepository};
use merx_kernel::{Clock, StoreError};
use merx_orders::{OrderItem, OrderRepository, OrderService};
use merx_payments::PaymentGateways;
use merx_pricing::PricingService;

use crate::{CheckoutError, CheckoutStore, PlaceOutcome, SessionStatus, Settings};

/// The checkout use case: ties carts, pricing, stock, orders and payments together.
pub struct CheckoutService {
    pub(crate) store: Arc<dyn CheckoutStore>,
    pub(crate) orders: OrderService,
    pub(crate) order_repo: Arc<dyn OrderRepository>,
    pub(crate) carts: Arc<CartService>,
    pub(crate) pricing: Arc<PricingService>,
    pub(crate) inventory: InventoryService,
    pub(crate) payments: PaymentGateways,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: Settings,
}

/// The ports and services checkout works with.
pub struct CheckoutPorts {
    pub store: Arc<dyn CheckoutStore>,
    pub orders: Arc<dyn OrderRepository>,
    pub stock: Arc<dyn StockRepository>,
    pub carts: Arc<CartService>,
    pub pricing: Arc<PricingService>,
    pub payments: PaymentGateways,
    pub clock: Arc<dyn Clock>,
}

impl CheckoutService {
    #[must_use]
    pub fn new(ports: CheckoutPorts, settings: Settings) -> Self {
        Self {
            store: ports.store,
            orders: OrderService::new(ports.orders.clone(), ports.clock.clone()),
            order_repo: ports.orders,
            carts: ports.carts,
            pricing: ports.pricing,
            inventory: InventoryService::new(ports.stock, ports.clock.clone()),
            payments: ports.payments,
            clock: ports.clock,
            settings,
        }
    }

    /// Reading and admin edits of orders.
    #[must_use]
    pub fn orders(&self) -> &OrderService {
        &self.orders
    }

    /// The configured payment methods.
    #[must_use]
    pub fn payment_methods(&self) -> Vec<&'static str> {
        self.payments.methods()
    }

    /// Holds the items for `holder` for the reservation time, all or nothing, taking over
    /// the direct reservation of `cart` (if any) in the same step.
    pub(crate) async fn hold(
        &self,
        holder: &str,
        items: &[OrderItem],
        cart: Option<merx_cart::CartId>,
    ) -> Result<(), CheckoutError> {
        match self
            .inventory
            .reserve_over(
                holder,
                &crate::stock_lines(items),
                self.settings.reservation_ttl,
                cart.map(crate::cart_hold),
            )
            .await?
        {
            ReserveOutcome::Reserved => Ok(()),
            ReserveOutcome::Short(short) => {
                Err(CheckoutError::Insufficient(shortfalls(&short, items)))
            }
        }
    }

    /// Answers `result`, freeing `holder`'s stock first when it failed.
    pub(crate) async fn release_on_error<T>(
        &self,
        holder: &str,
        result: Result<T, CheckoutError>,
    ) -> Result<T, CheckoutError> {
        if result.is_err()
            && let Err(e) = self.inventory.release(holder).await
        {
            // The hold expires on its own; the sweeper deletes it.
            return Err(e.into());
        }
        result
    }
}

/// The error a placement that changed nothing stands for.
pub(crate) fn placement_error(outcome: PlaceOutcome, items: &[OrderItem]) -> CheckoutError {
    match outcome {
        PlaceOutcome::SessionClosed(SessionStatus::Expired) => {
            CheckoutError::Expired("the checkout session expired")
        }
        PlaceOutcome::SessionClosed(status) => {
            CheckoutError::SessionClosed(format!("the checkout session is {}", status.as_str()))
        }
        PlaceOutcome::DiscountUsedUp => merx_pricing::DiscountRejection::Exhausted.into(),
        PlaceOutcome::Short(short) => CheckoutError::Insufficient(shortfalls(&short, items)),
        PlaceOutcome::Placed | PlaceOutcome::AlreadyPlaced(_) => {
            StoreError::message("unexpected placement outcome").into()
        }
    }
}

/// Short lines as the client names them (by SKU), from the order's items.
pub(crate) fn shortfalls(short: &[Shortage], items: &[OrderItem]) -> Vec<Shortfall> {
    named_shortfalls(short, |variant| {
        items
            .iter()
            .find(|i| i.variant_id == variant)
            .map(|i| i.sku.clone())
    })
}

/// Short lines named by `sku_of` (spec §15: the SKU, never the variant id, unless the variant
/// is gone).
pub(crate) fn named_shortfalls(
    short: &[Shortage],
    sku_of: impl Fn(merx_kernel::VariantId) -> Option<String>,
) -> Vec<Shortfall> {
    short
        .iter()
        .map(|s| Shortfall {
            sku: sku_of(s.variant_id).unwrap_or_else(|| s.variant_id.to_string()),
            available_quantity: s.available,
            requested_quantity: s.requested,
        })
        .collect()
}

/// What a payment provider shows the buyer.
pub(crate) fn description(items: &[OrderItem]) -> String {
    match items {
        [] => "Order".into(),
        [one] => one.name.clone(),
        [first, rest @ ..] => format!("{} and {} more", first.name, rest.len()),
    }
}

/// A fresh guest order token and the hash stored instead of it; none for a signed-in buyer.
pub(crate) fn order_token(user: Option<UserId>) -> (Option<String>, Option<String>) {
    if user.is_some() {
        return (None, None);
    }
    let token = generate_secret("ord_");
    let hash = hash_secret(&token).as_str().to_owned();
    (Some(token), Some(hash))
}
