use merx_cart::CartId;
use merx_identity::UserId;
use merx_kernel::{Currency, PostalAddress, Timestamp};
use merx_orders::{OrderId, OrderItem, OrderTotals};

use crate::PlaceOutcome;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

merx_kernel::typed_id!(
    /// Identifies a checkout session.
    CheckoutId
);

impl CheckoutId {
    /// What every session's reservation holder starts with, before the session's id.
    pub const HOLDER_PREFIX: &'static str = "checkout:";

    /// The reservation holder of this session's stock.
    #[must_use]
    pub fn holder(self) -> String {
        format!("{}{self}", Self::HOLDER_PREFIX)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Prices locked, stock held, waiting for payment or confirmation.
    Open,
    /// It became an order.
    Complete,
    /// Its time ran out; the stock went back.
    Expired,
    /// Released by the buyer, or replaced by a newer session of the cart.
    Cancelled,
}

impl SessionStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Complete => "complete",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Complete, Self::Expired, Self::Cancelled]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

/// The payment a session started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionPayment {
    /// Stored as its code (`cash_on_delivery`, `stripe`, `tosspayments`).
    pub method: merx_payments::PaymentMethod,
    pub provider_ref: Option<String>,
    /// What the client needs to pay.
    pub client: Map<String, Value>,
    /// Cash on delivery: confirmable before any money moves.
    pub settles_on_delivery: bool,
    /// The provider reported the money captured.
    pub captured: bool,
}

/// A cart on its way to becoming an order: prices, tax and shipping locked, stock held until
/// `expires_at`.
/// How the buyer pays a session (spec §6 `mode`): on the provider's page and back, or with the
/// provider's page inside the storefront's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionMode {
    #[default]
    Redirect,
    Embedded,
}

impl SessionMode {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Redirect => "redirect",
            Self::Embedded => "embedded",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Redirect, Self::Embedded]
            .into_iter()
            .find(|m| m.as_str() == s)
    }

    /// The provider's flow for it.
    #[must_use]
    pub const fn flow(self) -> merx_payments::PaymentFlow {
        match self {
            Self::Redirect => merx_payments::PaymentFlow::Redirect,
            Self::Embedded => merx_payments::PaymentFlow::Embedded,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckoutSession {
    pub id: CheckoutId,
    pub cart_id: CartId,
    /// The cart's owner: a user, or a guest by session id.
    pub user_id: Option<UserId>,
    pub guest_session: Option<String>,
    pub email: String,
    pub status: SessionStatus,
    pub currency: Currency,
    pub items: Vec<OrderItem>,
    pub totals: OrderTotals,
    pub shipping_tax: i64,
    pub discount_code: Option<String>,
    pub discount_id: Option<uuid::Uuid>,
    pub shipping_address: PostalAddress,
    pub billing_address: PostalAddress,
    pub billing_same: bool,
    pub shipping_method: String,
    pub payment: SessionPayment,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub mode: SessionMode,
    pub metadata: Map<String, Value>,
    /// The business tax id its quote was exempted under (none when it paid tax).
    pub tax_id: Option<String>,
    pub order_id: Option<OrderId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub expires_at: Timestamp,
}

impl CheckoutSession {
    /// The reservation holder of this session's stock.
    #[must_use]
    pub fn holder(&self) -> String {
        self.id.holder()
    }

    /// What it charges: its grand total in its currency.
    #[must_use]
    pub fn total(&self) -> merx_kernel::Money {
        merx_kernel::Money::new(self.totals.total, self.currency)
    }

    /// The order this session becomes, numbered `number` at `now`, paid through
    /// `payment_ref`, readable by a guest with the token hashed as `token_hash`.
    #[must_use]
    pub fn new_order(
        &self,
        number: i64,
        payment_ref: Option<String>,
        token_hash: Option<String>,
        now: Timestamp,
    ) -> merx_orders::NewOrder {
        merx_orders::NewOrder {
            id: OrderId::new(),
            number: merx_orders::OrderNumber::new(chrono::Datelike::year(&now), number),
            user_id: self.user_id,
            email: self.email.clone(),
            currency: self.currency,
            items: self.items.clone(),
            totals: self.totals,
            discount_code: self.discount_code.clone(),
            shipping_address: self.shipping_address.clone(),
            billing_address: self.billing_address.clone(),
            shipping_method: self.shipping_method.clone(),
            payment_method: self.payment.method,
            payment_provider_ref: payment_ref,
            notes: None,
            checkout_id: Some(*self.id.as_uuid()),
            token_hash,
            tax_id: self.tax_id.clone(),
        }
    }

    /// Whether its money is in: a completed session paid through a provider (cash on
    /// delivery is collected later).
    #[must_use]
    pub fn is_paid(&self) -> bool {
        self.payment.captured
            || (self.status == SessionStatus::Complete && !self.payment.settles_on_delivery)
    }

    /// Whole seconds the buyer has left at `now` (0 once the session is not open).
    #[must_use]
    pub fn seconds_left(&self, now: Timestamp) -> i64 {
        if self.status == SessionStatus::Open {
            (self.expires_at - now).num_seconds().max(0)
        } else {
            0
        }
    }

    /// The status as of `now`: an open session past its time is expired even before the
    /// sweeper marks it.
    #[must_use]
    pub fn status_at(&self, now: Timestamp) -> SessionStatus {
        if self.status == SessionStatus::Open && self.expires_at <= now {
            SessionStatus::Expired
        } else {
            self.status
        }
    }
}

/// Whether an order may be written for a session stored as `status` (with `order_id`, open
/// until `expires_at`) at `now`: only an open session whose time has not run out becomes an
/// order; a complete one already is one. Both stores call this under the session's lock.
///
/// # Errors
/// The placement's answer when the session cannot become an order now.
pub fn placeable(
    status: SessionStatus,
    order_id: Option<OrderId>,
    expires_at: Timestamp,
    now: Timestamp,
) -> Result<(), PlaceOutcome> {
    match (status, order_id) {
        (SessionStatus::Complete, Some(order)) => Err(PlaceOutcome::AlreadyPlaced(order)),
        (SessionStatus::Open, _) if expires_at > now => Ok(()),
        (SessionStatus::Open, _) => Err(PlaceOutcome::SessionClosed(SessionStatus::Expired)),
        (other, _) => Err(PlaceOutcome::SessionClosed(other)),
    }
}

/// Whether a session paid after its time ran out may still become its order, once its stock
/// is held again: any session but a complete one (which already is an order).
///
/// # Errors
/// `AlreadyPlaced` for a complete session.
pub fn placeable_late(
    status: SessionStatus,
    order_id: Option<OrderId>,
) -> Result<(), PlaceOutcome> {
    match (status, order_id) {
        (SessionStatus::Complete, Some(order)) => Err(PlaceOutcome::AlreadyPlaced(order)),
        _ => Ok(()),
    }
}

impl CheckoutSession {
    /// [`placeable`] for this session.
    ///
    /// # Errors
    /// As for [`placeable`].
    pub fn placeable_at(&self, now: Timestamp) -> Result<(), PlaceOutcome> {
        placeable(self.status, self.order_id, self.expires_at, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_open_unexpired_session_becomes_an_order() {
        let now = chrono::Utc::now();
        let later = now + chrono::Duration::minutes(1);
        let order = OrderId::new();
        assert_eq!(placeable(SessionStatus::Open, None, later, now), Ok(()));
        assert_eq!(
            placeable(SessionStatus::Open, None, now, now),
            Err(PlaceOutcome::SessionClosed(SessionStatus::Expired))
        );
        assert_eq!(
            placeable(SessionStatus::Complete, Some(order), later, now),
            Err(PlaceOutcome::AlreadyPlaced(order))
        );
        assert_eq!(
            placeable(SessionStatus::Cancelled, None, later, now),
            Err(PlaceOutcome::SessionClosed(SessionStatus::Cancelled))
        );
        assert_eq!(
            placeable(SessionStatus::Expired, None, later, now),
            Err(PlaceOutcome::SessionClosed(SessionStatus::Expired))
        );
        assert_eq!(placeable_late(SessionStatus::Expired, None), Ok(()));
        assert_eq!(placeable_late(SessionStatus::Cancelled, None), Ok(()));
        assert_eq!(
            placeable_late(SessionStatus::Complete, Some(order)),
            Err(PlaceOutcome::AlreadyPlaced(order))
        );
    }
}
