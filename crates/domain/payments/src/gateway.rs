use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use merx_kernel::Money;
use serde_json::{Map, Value};

/// The payment methods of spec §6, by their codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    Stripe,
    TossPayments,
    CashOnDelivery,
}

impl PaymentMethod {
    pub const ALL: [Self; 3] = [Self::Stripe, Self::TossPayments, Self::CashOnDelivery];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Stripe => "stripe",
            Self::TossPayments => "tosspayments",
            Self::CashOnDelivery => "cash_on_delivery",
        }
    }

    /// Whether the money comes after the goods (the courier collects it), so an order may be
    /// confirmed before any payment.
    #[must_use]
    pub const fn settles_on_delivery(self) -> bool {
        matches!(self, Self::CashOnDelivery)
    }

    /// Case-insensitive.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a payment is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Our reference: the checkout session or order id (Toss's `orderId`).
    pub reference: String,
    /// A short human description (`"Silk Pillowcase and 2 more"`).
    pub description: String,
    pub amount: Money,
    pub email: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    /// `redirect` or `embedded`.
    pub mode: String,
}

/// A started payment: what the client needs to pay, and whether the order may be confirmed
/// before the money is captured.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentStart {
    pub method: PaymentMethod,
    /// The provider's id for it (a Stripe session id, …), when it has one.
    pub provider_ref: Option<String>,
    /// For the client: a Stripe `url` or `client_secret` + `publishable_key`; Toss widget data.
    pub client: Map<String, Value>,
    /// Cash on delivery: the money comes later, the order is confirmed now.
    pub settles_on_delivery: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The method is not configured here (`payment_method_unavailable`).
    #[error("payment method {0} is not available")]
    Unavailable(String),
    /// The provider declined (`payment_failed`).
    #[error("payment declined: {0}")]
    Declined(String),
    /// The provider could not be reached or answered oddly.
    #[error("payment provider error: {0}")]
    Provider(String),
}

/// Money to give back for a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The provider's id of the payment (a PaymentIntent, a Toss payment key); `None` for
    /// money collected by hand.
    pub payment_ref: Option<String>,
    pub amount: Money,
    pub reason: Option<String>,
    /// Derived from our refund and the operation, so a retry after a timeout never refunds
    /// twice.
    pub idempotency_key: String,
}

/// What the provider did with a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundDone {
    /// The provider's id of the refund, when it has one.
    pub provider_ref: Option<String>,
}

/// One payment provider.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    fn method(&self) -> PaymentMethod;

    /// Starts paying for `request`.
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, PaymentError>;

    /// Gives `request.amount` back. Safe to repeat with the same idempotency key.
    ///
    /// # Errors
    /// [`PaymentError::Declined`] when the provider refuses; [`PaymentError::Provider`] when it
    /// cannot be reached (then the refund may or may not have happened: retry with the key).
    async fn refund(&self, request: &RefundRequest) -> Result<RefundDone, PaymentError>;
}

/// The configured gateways, one per method.
#[derive(Clone, Default)]
pub struct PaymentGateways {
    gateways: HashMap<PaymentMethod, Arc<dyn PaymentGateway>>,
}

impl PaymentGateways {
    /// Only cash on delivery, which needs no configuration.
    #[must_use]
    pub fn cash_only() -> Self {
        Self::default().with(Arc::new(crate::CashOnDelivery))
    }

    #[must_use]
    pub fn with(mut self, gateway: Arc<dyn PaymentGateway>) -> Self {
        self.gateways.insert(gateway.method(), gateway);
        self
    }

    /// The gateway of a method code.
    ///
    /// # Errors
    /// [`PaymentError::Unavailable`] for an unknown or unconfigured method.
    pub fn get(&self, code: &str) -> Result<Arc<dyn PaymentGateway>, PaymentError> {
        PaymentMethod::parse(code)
            .and_then(|m| self.gateways.get(&m).cloned())
            .ok_or_else(|| PaymentError::Unavailable(code.trim().to_owned()))
    }

    /// The configured methods' codes.
    #[must_use]
    pub fn methods(&self) -> Vec<&'static str> {
        PaymentMethod::ALL
            .into_iter()
            .filter(|m| self.gateways.contains_key(m))
            .map(PaymentMethod::as_str)
            .collect()
    }
}

impl fmt::Debug for PaymentGateways {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.methods()).finish()
    }
}
