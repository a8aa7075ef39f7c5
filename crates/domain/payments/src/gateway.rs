use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use merx_kernel::{Money, Timestamp};

use crate::{PaymentConfirmation, PaymentEvent, PaymentRequest, PaymentStart, PaymentState};

pub use merx_kernel::PaymentMethod;

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
    /// A webhook whose signature is missing, wrong or stale (`webhook_verification_failed`).
    #[error("webhook verification failed: {0}")]
    Verification(String),
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

/// One payment provider. Provider types never cross it: what it starts, reads back and
/// reports is in Merx's terms.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentGateway: Send + Sync {
    fn method(&self) -> PaymentMethod;

    /// Starts paying for `request` (a hosted or embedded page, or a PaymentIntent). Safe to
    /// repeat with the request's idempotency key.
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, PaymentError>;

    /// Reads a started payment back from the provider (the buyer's return, a sweep).
    async fn retrieve(&self, provider_ref: &str) -> Result<PaymentState, PaymentError>;

    /// Ends a started payment that must no longer be paid (our reservation ran out, the buyer
    /// released it). Answers its state afterwards: a payment that completed meanwhile stays
    /// complete.
    async fn expire(&self, provider_ref: &str) -> Result<PaymentState, PaymentError>;

    /// Confirms a payment the buyer authorised at the provider (Toss's confirm). Providers
    /// that capture by themselves (Stripe) read the payment back instead. Safe to repeat with
    /// the confirmation's idempotency key.
    ///
    /// # Errors
    /// [`PaymentError::Declined`] with the provider's code when it refuses.
    async fn confirm(
        &self,
        confirmation: &PaymentConfirmation,
    ) -> Result<PaymentState, PaymentError>;

    /// Gives `request.amount` back. Safe to repeat with the same idempotency key.
    ///
    /// # Errors
    /// [`PaymentError::Declined`] when the provider refuses; [`PaymentError::Provider`] when it
    /// cannot be reached (then the refund may or may not have happened: retry with the key).
    async fn refund(&self, request: &RefundRequest) -> Result<RefundDone, PaymentError>;

    /// Verifies a webhook over its raw bytes (before any parsing) and reads it as a domain
    /// event. `signature` is the provider's signature header, empty when it is missing. A
    /// provider that signs nothing (Toss) reads the payment back and answers what it says.
    ///
    /// # Errors
    /// [`PaymentError::Verification`] when the signature is missing, wrong or stale.
    async fn verify_event(
        &self,
        signature: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<PaymentEvent, PaymentError>;
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

    /// The gateway of a method an order or session was started with.
    ///
    /// # Errors
    /// [`PaymentError::Unavailable`] when that method is not configured (any more).
    pub fn of(&self, method: PaymentMethod) -> Result<Arc<dyn PaymentGateway>, PaymentError> {
        self.gateways
            .get(&method)
            .cloned()
            .ok_or_else(|| PaymentError::Unavailable(method.as_str().to_owned()))
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
