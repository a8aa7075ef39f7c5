//! What checkout is asked and what it answers.

use merx_cart::CartId;
use merx_kernel::{PostalAddress, VariantId};
use merx_orders::Order;
use merx_payments::PaymentStart;
use serde_json::{Map, Value};

use crate::CheckoutSession;

/// How checkout behaves.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How long a session (or an unpaid order) holds its stock: 15 minutes by default.
    pub reservation_ttl: chrono::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            reservation_ttl: chrono::Duration::minutes(15),
        }
    }
}

/// What a checkout session is opened with (spec §6).
#[derive(Debug, Clone)]
pub struct CheckoutRequest {
    pub cart_id: CartId,
    /// Required for guests; a signed-in customer's address is used otherwise.
    pub email: Option<String>,
    pub shipping_address: PostalAddress,
    /// `None`: the same as the shipping address.
    pub billing_address: Option<PostalAddress>,
    pub shipping_method: String,
    pub discount_code: Option<String>,
    pub payment_method: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    /// `redirect` (default) or `embedded`.
    pub mode: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub tax_id: Option<String>,
}

/// Where an order placed before payment takes its lines from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderSource {
    Cart(CartId),
    Items(Vec<(VariantId, i64)>),
}

/// The orders-first flow's `POST /orders`.
#[derive(Debug, Clone)]
pub struct NewOrderRequest {
    pub source: OrderSource,
    pub email: Option<String>,
    pub shipping_address: PostalAddress,
    pub billing_address: Option<PostalAddress>,
    pub shipping_method: String,
    pub payment_method: String,
    pub discount_code: Option<String>,
    pub notes: Option<String>,
    pub tax_id: Option<String>,
}

/// A confirmed session's order. `created` is false when an earlier confirm made it.
#[derive(Debug, Clone)]
pub struct Confirmed {
    pub session: CheckoutSession,
    pub order: Order,
    pub created: bool,
    /// For a guest, the one time the order's token is shown.
    pub order_token: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PlacedOrder {
    pub order: Order,
    pub order_token: Option<String>,
}

/// The answer to paying an order: the order as it is now and what the client needs to pay.
#[derive(Debug, Clone)]
pub struct PaymentAnswer {
    pub order: Order,
    pub payment: PaymentStart,
}

/// The amount a client says it will pay (spec §12): never what is charged, only compared
/// with ours; either part may be absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientAmount {
    pub amount: Option<i64>,
    pub currency: Option<merx_kernel::Currency>,
}

impl ClientAmount {
    /// Whether what the client names differs from `ours`.
    #[must_use]
    pub fn differs_from(&self, ours: merx_kernel::Money) -> bool {
        self.amount.is_some_and(|a| a != ours.amount())
            || self.currency.is_some_and(|c| c != ours.currency())
    }
}
