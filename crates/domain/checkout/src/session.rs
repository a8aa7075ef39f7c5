use merx_cart::CartId;
use merx_identity::UserId;
use merx_kernel::{Currency, PostalAddress, Timestamp};
use merx_orders::{OrderId, OrderItem, OrderTotals};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

merx_kernel::typed_id!(
    /// Identifies a checkout session.
    CheckoutId
);

impl CheckoutId {
    /// The reservation holder of this session's stock.
    #[must_use]
    pub fn holder(self) -> String {
        format!("checkout:{self}")
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
    /// The method's code (`cash_on_delivery`, `stripe`, `tosspayments`).
    pub method: String,
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
    pub mode: String,
    pub metadata: Map<String, Value>,
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
