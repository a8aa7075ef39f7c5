//! A payment as Merx asks a provider for it, and what the provider answers.

use merx_kernel::{Money, Timestamp};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::PaymentMethod;

/// What a payment pays for: a checkout session or an order (orders-first). Providers carry it
/// back in their events (Stripe `metadata[merx_checkout_id]` / `metadata[merx_order_id]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentSubject {
    Checkout(Uuid),
    Order(Uuid),
}

impl PaymentSubject {
    /// Our id, as the provider is given it.
    #[must_use]
    pub fn reference(&self) -> String {
        match self {
            Self::Checkout(id) | Self::Order(id) => id.to_string(),
        }
    }

    /// Our id as a provider's order id (Toss `orderId`: 6 to 64 characters of
    /// `[A-Za-z0-9_-]`), naming what it pays for: `chk_<32 hex>` or `ord_<32 hex>`.
    #[must_use]
    pub fn order_id(&self) -> String {
        match self {
            Self::Checkout(id) => format!("chk_{}", id.simple()),
            Self::Order(id) => format!("ord_{}", id.simple()),
        }
    }

    /// The subject of a provider's order id written by [`Self::order_id`].
    #[must_use]
    pub fn from_order_id(order_id: &str) -> Option<Self> {
        let (kind, id) = order_id.split_once('_')?;
        let id = Uuid::try_parse(id).ok()?;
        match kind {
            "chk" => Some(Self::Checkout(id)),
            "ord" => Some(Self::Order(id)),
            _ => None,
        }
    }
}

/// A payment the buyer authorised at the provider, for Merx to confirm (Toss's confirm after
/// the success redirect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentConfirmation {
    /// The provider's id of the payment (Toss `paymentKey`).
    pub payment_ref: String,
    pub subject: PaymentSubject,
    /// Always Merx's amount, compared with the client's before the provider is called.
    pub amount: Money,
    /// Derived from our object, the payment and the operation.
    pub idempotency_key: String,
}

/// How the buyer pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentFlow {
    /// To the provider's page and back (`mode: "redirect"`).
    Redirect,
    /// The provider's page inside ours (`mode: "embedded"`).
    Embedded,
    /// Our own form over a PaymentIntent (custom flow, orders-first).
    Intent,
}

impl PaymentFlow {
    /// The session `mode` of spec §6; an intent is paid in the page, like `embedded`.
    #[must_use]
    pub const fn mode(self) -> &'static str {
        match self {
            Self::Redirect => "redirect",
            Self::Embedded | Self::Intent => "embedded",
        }
    }
}

/// One line as the provider's page shows it. The lines add up to the amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentLine {
    pub name: String,
    /// Minor units of the payment's currency.
    pub unit_amount: i64,
    pub quantity: i64,
}

/// What a payment is for.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentRequest {
    pub subject: PaymentSubject,
    pub flow: PaymentFlow,
    /// A short human description (`"Silk Pillowcase and 2 more"`).
    pub description: String,
    pub amount: Money,
    pub lines: Vec<PaymentLine>,
    pub email: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    /// Until when it may be paid (our reservation's end).
    pub expires_at: Timestamp,
    /// Derived from our object and the operation, so a retry never starts a second payment.
    pub idempotency_key: String,
    pub metadata: Map<String, Value>,
}

/// A started payment: what the client needs to pay, and whether the order may be confirmed
/// before the money is captured.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentStart {
    pub method: PaymentMethod,
    /// The provider's id for it (a Stripe Checkout Session or PaymentIntent id), when it has
    /// one.
    pub provider_ref: Option<String>,
    /// For the client: a Stripe `url` or `client_secret` + `publishable_key`; Toss widget data.
    pub client: Map<String, Value>,
    /// Cash on delivery: the money comes later, the order is confirmed now.
    pub settles_on_delivery: bool,
}

/// A PaymentIntent the buyer's client confirms itself (Stripe's custom flow, spec §12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentForClient {
    pub id: String,
    pub client_secret: String,
    pub status: String,
    pub publishable_key: Option<String>,
}

impl PaymentStart {
    fn client_text(&self, key: &str) -> Option<String> {
        self.client
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    /// The PaymentIntent of this start, when it is one: its id (the provider's reference, or
    /// what the client data names), secret and status as the provider answered.
    #[must_use]
    pub fn intent(&self) -> Option<IntentForClient> {
        let id = self.client_text("payment_intent_id")?;
        Some(IntentForClient {
            id: self.provider_ref.clone().unwrap_or(id),
            client_secret: self.client_text("client_secret").unwrap_or_default(),
            status: self.client_text("status").unwrap_or_default(),
            publishable_key: self.client_text("publishable_key"),
        })
    }
}

/// Where a started payment is, read back from its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentState {
    pub status: ProviderStatus,
    /// The money the provider holds for it, once paid.
    pub paid: Option<Money>,
    /// The provider's id of the payment itself (a PaymentIntent), once there is one.
    pub payment_ref: Option<String>,
    /// The session or order the provider says this payment is for (Toss's `orderId`), when
    /// it says one: a payment is applied to that one only (spec §17).
    pub subject: Option<PaymentSubject>,
}

/// A started payment's life at its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderStatus {
    /// It can still be paid.
    Open,
    /// Paid (or finished, waiting for a delayed method).
    Complete,
    /// It can no longer be paid.
    Expired,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_intent_is_read_for_the_client_and_other_starts_are_none() {
        let mut client = Map::new();
        client.insert("payment_intent_id".into(), Value::from("pi_1"));
        client.insert("client_secret".into(), Value::from("pi_1_secret"));
        client.insert("status".into(), Value::from("requires_payment_method"));
        let start = PaymentStart {
            method: PaymentMethod::Stripe,
            provider_ref: Some("pi_1".into()),
            client,
            settles_on_delivery: false,
        };
        let intent = start.intent().expect("an intent");
        assert_eq!(
            (intent.id.as_str(), intent.client_secret.as_str()),
            ("pi_1", "pi_1_secret")
        );
        assert_eq!(intent.status, "requires_payment_method");
        assert_eq!(intent.publishable_key, None);
        let widget = PaymentStart {
            method: PaymentMethod::TossPayments,
            provider_ref: None,
            client: Map::new(),
            settles_on_delivery: false,
        };
        assert_eq!(widget.intent(), None);
    }

    #[test]
    fn a_provider_order_id_names_its_subject_within_tosss_alphabet() {
        let id = Uuid::new_v4();
        for subject in [PaymentSubject::Checkout(id), PaymentSubject::Order(id)] {
            let order_id = subject.order_id();
            assert!((6..=64).contains(&order_id.len()));
            assert!(
                order_id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            );
            assert_eq!(PaymentSubject::from_order_id(&order_id), Some(subject));
        }
        assert_eq!(PaymentSubject::from_order_id("chk_nothex"), None);
        assert_eq!(
            PaymentSubject::from_order_id(&format!("xyz_{}", id.simple())),
            None
        );
    }
}
