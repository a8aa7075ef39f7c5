//! [`StripeGateway`]: the PaymentGateway port over Stripe's API (providers.md §1).

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use merx_kernel::{Money, Timestamp};
use merx_payments::{
    PaymentConfirmation, PaymentError, PaymentEvent, PaymentFlow, PaymentGateway, PaymentMethod,
    PaymentRequest, PaymentStart, PaymentState, PaymentSubject, ProviderStatus, RefundDone,
    RefundRequest,
};
use serde_json::{Map, Value};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionPaymentIntentData, ExpireCheckoutSession, ProductData,
    RetrieveCheckoutSession,
};
use stripe_core::payment_intent::{
    CreatePaymentIntent, CreatePaymentIntentAutomaticPaymentMethods, RetrievePaymentIntent,
};
use stripe_core::refund::CreateRefund;
use stripe_shared::{
    CheckoutSessionMode, CheckoutSessionRedirectOnCompletion, CheckoutSessionUiMode,
};

use crate::events::{CHECKOUT_KEY, ORDER_KEY, money, parse_event};
use crate::verify_signature;
use crate::wire::{id_of, send, text};

/// The API version every request pins (async-stripe's): its Checkout `ui_mode` values are
/// `hosted_page` and `embedded_page` (the `2026-03-25.dahlia` rename).
pub const STRIPE_VERSION: &str = "2026-09-30.endive";

/// Stripe will not let a Checkout Session end sooner than 30 minutes after it starts; Merx
/// expires it itself when its reservation ends first.
const MIN_SESSION_LIFE: chrono::Duration = chrono::Duration::minutes(31);

/// How Merx reaches one Stripe account.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    pub publishable_key: String,
    pub webhook_secret: String,
    /// `STRIPE_API_BASE`; Stripe's own when `None`.
    pub api_base: Option<String>,
}

/// The Stripe payment gateway.
pub struct StripeGateway {
    client: stripe::Client,
    publishable_key: String,
    webhook_secret: String,
}

impl std::fmt::Debug for StripeGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeGateway").finish_non_exhaustive()
    }
}

impl StripeGateway {
    /// # Errors
    /// [`PaymentError::Unavailable`] when the key or base URL cannot be used.
    pub fn new(config: StripeConfig) -> Result<Self, PaymentError> {
        let mut builder =
            stripe::ClientBuilder::new(config.secret_key).timeout(Duration::from_secs(5));
        if let Some(base) = config.api_base {
            builder = builder.url(base.trim_end_matches('/'));
        }
        let client = builder
            .build()
            .map_err(|e| PaymentError::Unavailable(format!("stripe: {e}")))?;
        Ok(Self {
            client,
            publishable_key: config.publishable_key,
            webhook_secret: config.webhook_secret,
        })
    }

    fn metadata(request: &PaymentRequest) -> HashMap<String, String> {
        let mut meta: HashMap<String, String> = request
            .metadata
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
            .take(40)
            .collect();
        match request.subject {
            PaymentSubject::Checkout(id) => meta.insert(CHECKOUT_KEY.into(), id.to_string()),
            PaymentSubject::Order(id) => meta.insert(ORDER_KEY.into(), id.to_string()),
        };
        meta
    }

    async fn start_session(&self, r: &PaymentRequest) -> Result<PaymentStart, PaymentError> {
        let currency = stripe_currency(r.amount)?;
        let items: Vec<CreateCheckoutSessionLineItems> = r
            .lines
            .iter()
            .map(|line| {
                let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency.clone());
                price.unit_amount = Some(line.unit_amount);
                price.product_data = Some(ProductData::new(line.name.clone()));
                let mut item = CreateCheckoutSessionLineItems::new();
                item.price_data = Some(price);
                item.quantity = u64::try_from(line.quantity).ok();
                item
            })
            .collect();
        let meta = Self::metadata(r);
        let mut intent_data = CreateCheckoutSessionPaymentIntentData::new();
        intent_data.metadata = Some(meta.clone());
        let expires_at = r.expires_at.max(chrono::Utc::now() + MIN_SESSION_LIFE);
        let mut create = CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .line_items(items)
            .client_reference_id(r.subject.reference())
            .metadata(meta)
            .payment_intent_data(intent_data)
            .customer_email(r.email.clone())
            .expires_at(expires_at.timestamp());
        let embedded = r.flow == PaymentFlow::Embedded;
        if embedded {
            create = create.ui_mode(CheckoutSessionUiMode::EmbeddedPage);
            // Embedded pages take a return_url, never success_url/cancel_url.
            create = match &r.success_url {
                Some(url) => create.return_url(url.clone()),
                None => create.redirect_on_completion(CheckoutSessionRedirectOnCompletion::Never),
            };
        } else {
            create = create.ui_mode(CheckoutSessionUiMode::HostedPage);
            if let Some(url) = &r.success_url {
                create = create.success_url(url.clone());
            }
            if let Some(url) = &r.cancel_url {
                create = create.cancel_url(url.clone());
            }
        }
        let session = send(&self.client, &create, Some(&r.idempotency_key)).await?;
        let id = text(&session, "id")
            .ok_or_else(|| PaymentError::Provider("a Checkout Session without an id".into()))?
            .to_owned();
        let mut client = Map::new();
        client.insert("provider_session_id".into(), Value::String(id.clone()));
        if embedded {
            let secret = text(&session, "client_secret").unwrap_or_default();
            client.insert("client_secret".into(), Value::String(secret.to_owned()));
            client.insert(
                "publishable_key".into(),
                Value::String(self.publishable_key.clone()),
            );
        } else {
            let url = text(&session, "url").unwrap_or_default();
            client.insert("url".into(), Value::String(url.to_owned()));
        }
        Ok(PaymentStart {
            method: PaymentMethod::Stripe,
            provider_ref: Some(id),
            client,
            settles_on_delivery: false,
        })
    }

    async fn start_intent(&self, r: &PaymentRequest) -> Result<PaymentStart, PaymentError> {
        let create = CreatePaymentIntent::new(r.amount.amount(), stripe_currency(r.amount)?)
            .automatic_payment_methods(CreatePaymentIntentAutomaticPaymentMethods::new(true))
            .metadata(Self::metadata(r))
            .description(r.description.clone())
            .receipt_email(r.email.clone());
        let intent = send(&self.client, &create, Some(&r.idempotency_key)).await?;
        let id = text(&intent, "id")
            .ok_or_else(|| PaymentError::Provider("a PaymentIntent without an id".into()))?
            .to_owned();
        let mut client = Map::new();
        client.insert("payment_intent_id".into(), Value::String(id.clone()));
        for key in ["client_secret", "status"] {
            let v = text(&intent, key).unwrap_or_default();
            client.insert(key.into(), Value::String(v.to_owned()));
        }
        client.insert(
            "publishable_key".into(),
            Value::String(self.publishable_key.clone()),
        );
        Ok(PaymentStart {
            method: PaymentMethod::Stripe,
            provider_ref: Some(id),
            client,
            settles_on_delivery: false,
        })
    }
}

/// Stripe's lowercase code for our currency. Stripe takes three-decimal currencies only in
/// multiples of ten thousandths (providers.md §1.4): any other amount is refused here rather
/// than rounded, since a rounded charge would never match the order.
fn stripe_currency(amount: Money) -> Result<stripe_types::Currency, PaymentError> {
    let currency = amount.currency();
    if currency.exponent() == 3 && amount.amount() % 10 != 0 {
        return Err(PaymentError::Unavailable(format!(
            "stripe for {} amounts not in multiples of 10",
            currency.code()
        )));
    }
    stripe_types::Currency::from_str(&currency.code().to_ascii_lowercase())
        .map_err(|_| PaymentError::Unavailable(format!("stripe in {}", currency.code())))
}

fn session_state(session: &Value) -> PaymentState {
    let status = match text(session, "status") {
        Some("complete") => ProviderStatus::Complete,
        Some("expired") => ProviderStatus::Expired,
        _ => ProviderStatus::Open,
    };
    let paid = (text(session, "payment_status") == Some("paid"))
        .then(|| money(session, "amount_total"))
        .flatten();
    PaymentState {
        status,
        paid,
        payment_ref: id_of(session, "payment_intent"),
        subject: None,
    }
}

fn intent_state(intent: &Value) -> PaymentState {
    let status = match text(intent, "status") {
        Some("succeeded") => ProviderStatus::Complete,
        Some("canceled") => ProviderStatus::Expired,
        _ => ProviderStatus::Open,
    };
    PaymentState {
        status,
        paid: (status == ProviderStatus::Complete)
            .then(|| money(intent, "amount_received").or_else(|| money(intent, "amount")))
            .flatten(),
        payment_ref: text(intent, "id").map(str::to_owned),
        subject: None,
    }
}

#[async_trait]
impl PaymentGateway for StripeGateway {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Stripe
    }

    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, PaymentError> {
        match request.flow {
            PaymentFlow::Intent => self.start_intent(request).await,
            PaymentFlow::Redirect | PaymentFlow::Embedded => self.start_session(request).await,
        }
    }

    async fn retrieve(&self, provider_ref: &str) -> Result<PaymentState, PaymentError> {
        if provider_ref.starts_with("pi_") {
            let intent = send(
                &self.client,
                &RetrievePaymentIntent::new(provider_ref),
                None,
            )
            .await?;
            return Ok(intent_state(&intent));
        }
        let session = send(
            &self.client,
            &RetrieveCheckoutSession::new(provider_ref),
            None,
        )
        .await?;
        Ok(session_state(&session))
    }

    async fn expire(&self, provider_ref: &str) -> Result<PaymentState, PaymentError> {
        let state = self.retrieve(provider_ref).await?;
        // Only an open Checkout Session can be expired; a PaymentIntent of ours is never
        // charged without the buyer, and its late success is refunded or re-reserved.
        if state.status != ProviderStatus::Open || provider_ref.starts_with("pi_") {
            return Ok(state);
        }
        let key = format!("merx-{provider_ref}-expire");
        match send(
            &self.client,
            &ExpireCheckoutSession::new(provider_ref),
            Some(&key),
        )
        .await
        {
            Ok(session) => Ok(session_state(&session)),
            // Completed or expired in between: say what it is now.
            Err(PaymentError::Provider(_)) => self.retrieve(provider_ref).await,
            Err(e) => Err(e),
        }
    }

    /// Stripe captures by itself: confirming is reading the payment back.
    async fn confirm(
        &self,
        confirmation: &PaymentConfirmation,
    ) -> Result<PaymentState, PaymentError> {
        self.retrieve(&confirmation.payment_ref).await
    }

    async fn refund(&self, request: &RefundRequest) -> Result<RefundDone, PaymentError> {
        let Some(payment) = &request.payment_ref else {
            return Err(PaymentError::Provider(
                "a Stripe refund needs the order's PaymentIntent".into(),
            ));
        };
        let mut create = CreateRefund::new()
            .payment_intent(payment.clone())
            .amount(request.amount.amount());
        if let Some(reason) = &request.reason {
            create = create.metadata(HashMap::from([("merx_reason".to_owned(), reason.clone())]));
        }
        let refund = send(&self.client, &create, Some(&request.idempotency_key)).await?;
        match text(&refund, "status") {
            Some("failed" | "canceled") => Err(PaymentError::Declined(
                text(&refund, "failure_reason")
                    .unwrap_or("refund failed")
                    .to_owned(),
            )),
            _ => Ok(RefundDone {
                provider_ref: text(&refund, "id").map(str::to_owned),
            }),
        }
    }

    async fn verify_event(
        &self,
        signature: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<PaymentEvent, PaymentError> {
        let header = (!signature.is_empty()).then_some(signature);
        verify_signature(header, body, &self.webhook_secret, now.timestamp())
            .map_err(|e| PaymentError::Verification(e.to_string()))?;
        parse_event(body)
    }
}
