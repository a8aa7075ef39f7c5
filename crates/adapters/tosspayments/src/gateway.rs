//! [`TossGateway`]: the PaymentGateway port over TossPayments' REST API (providers.md §2).

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use merx_kernel::{Currency, Timestamp};
use merx_payments::{
    PaymentConfirmation, PaymentError, PaymentEvent, PaymentFact, PaymentGateway, PaymentMethod,
    PaymentRequest, PaymentStart, PaymentState, ProviderStatus, RefundDone, RefundRequest,
};
use serde_json::{Map, Value, json};

use crate::payment::{fact, state};

/// Attempts per request, the first included.
const ATTEMPTS: u32 = 3;

/// How Merx reaches one TossPayments merchant.
#[derive(Debug, Clone)]
pub struct TossConfig {
    pub secret_key: String,
    pub client_key: String,
    /// `TOSS_API_BASE`; Toss's own when `None`.
    pub api_base: Option<String>,
}

/// The TossPayments gateway.
pub struct TossGateway {
    http: reqwest::Client,
    base: String,
    authorization: String,
    client_key: String,
}

impl std::fmt::Debug for TossGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TossGateway")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// A Toss answer that is not a success.
enum Refusal {
    /// Toss's `{code, message}` with its status.
    Toss { status: u16, code: String },
    /// No answer, or not Toss's.
    Unreachable(String),
}

impl TossGateway {
    /// # Errors
    /// [`PaymentError::Unavailable`] when the HTTP client cannot be built.
    pub fn new(config: TossConfig) -> Result<Self, PaymentError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| PaymentError::Unavailable(format!("tosspayments: {e}")))?;
        // The secret key is the user, the password empty: the colon must not be forgotten.
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{}:", config.secret_key));
        Ok(Self {
            http,
            base: config
                .api_base
                .unwrap_or_else(|| "https://api.tosspayments.com".into())
                .trim_end_matches('/')
                .to_owned(),
            authorization: format!("Basic {basic}"),
            client_key: config.client_key,
        })
    }

    /// Sends one request (a write with `idempotency_key`), retrying 5xx and lost connections
    /// with the same key.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Value, Refusal> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .header("Authorization", &self.authorization);
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(k) = idempotency_key {
                req = req.header("Idempotency-Key", k);
            }
            let outcome = match req.send().await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let answer: Value = res.json().await.unwrap_or(Value::Null);
                    if (200..300).contains(&status) {
                        return Ok(answer);
                    }
                    let code = answer
                        .get("code")
                        .and_then(Value::as_str)
                        .unwrap_or("UNKNOWN")
                        .to_owned();
                    Refusal::Toss { status, code }
                }
                Err(e) => Refusal::Unreachable(e.to_string()),
            };
            let retry = match &outcome {
                Refusal::Toss { status, .. } => *status >= 500 || *status == 429,
                Refusal::Unreachable(_) => true,
            };
            if !retry || attempt >= ATTEMPTS {
                return Err(outcome);
            }
            let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 50);
            tokio::time::sleep(Duration::from_millis(100 * 4_u64.pow(attempt - 1) + jitter)).await;
        }
    }

    async fn payment(&self, payment_key: &str) -> Result<Value, PaymentError> {
        let path = format!("/v1/payments/{}", encode(payment_key));
        self.send(reqwest::Method::GET, &path, None, None)
            .await
            .map_err(provider_error)
    }
}

fn encode(segment: &str) -> String {
    segment
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect()
}

fn provider_error(r: Refusal) -> PaymentError {
    match r {
        Refusal::Toss { status, code } => {
            PaymentError::Provider(format!("tosspayments answered {status}: {code}"))
        }
        Refusal::Unreachable(e) => PaymentError::Provider(format!("tosspayments unreachable: {e}")),
    }
}

#[async_trait]
impl PaymentGateway for TossGateway {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::TossPayments
    }

    /// The widget's data; Toss is first called when the buyer comes back (`confirm`).
    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, PaymentError> {
        if request.amount.currency() != Currency::Krw {
            return Err(PaymentError::Unavailable(format!(
                "tosspayments in {}",
                request.amount.currency().code()
            )));
        }
        let mut client = Map::new();
        client.insert("order_id".into(), json!(request.subject.order_id()));
        client.insert("order_name".into(), json!(request.description));
        client.insert("amount".into(), json!(request.amount.amount()));
        client.insert("currency".into(), json!("KRW"));
        client.insert("client_key".into(), json!(self.client_key));
        client.insert("customer_email".into(), json!(request.email));
        Ok(PaymentStart {
            method: PaymentMethod::TossPayments,
            provider_ref: None,
            client,
            settles_on_delivery: false,
        })
    }

    async fn retrieve(&self, provider_ref: &str) -> Result<PaymentState, PaymentError> {
        Ok(state(&self.payment(provider_ref).await?))
    }

    /// A Toss payment that is not confirmed expires by itself (30 minutes at most).
    async fn expire(&self, provider_ref: &str) -> Result<PaymentState, PaymentError> {
        let now = self.retrieve(provider_ref).await?;
        Ok(match now.status {
            ProviderStatus::Open => PaymentState {
                status: ProviderStatus::Expired,
                ..now
            },
            _ => now,
        })
    }

    async fn confirm(
        &self,
        confirmation: &PaymentConfirmation,
    ) -> Result<PaymentState, PaymentError> {
        let body = json!({
            "paymentKey": confirmation.payment_ref,
            "orderId": confirmation.subject.order_id(),
            "amount": confirmation.amount.amount(),
        });
        match self
            .send(
                reqwest::Method::POST,
                "/v1/payments/confirm",
                Some(&body),
                Some(&confirmation.idempotency_key),
            )
            .await
        {
            Ok(payment) => Ok(state(&payment)),
            // Confirmed before (an answer lost on the way): what Toss holds is the answer.
            Err(Refusal::Toss { code, .. }) if code == "ALREADY_PROCESSED_PAYMENT" => {
                self.retrieve(&confirmation.payment_ref).await
            }
            Err(Refusal::Toss { status, code }) if status < 500 => {
                Err(PaymentError::Declined(code))
            }
            Err(other) => Err(provider_error(other)),
        }
    }

    async fn refund(&self, request: &RefundRequest) -> Result<RefundDone, PaymentError> {
        let Some(key) = &request.payment_ref else {
            return Err(PaymentError::Provider(
                "a Toss cancel needs the order's paymentKey".into(),
            ));
        };
        let body = json!({
            "cancelReason": request.reason.clone().unwrap_or_else(|| "refund".into()),
            "cancelAmount": request.amount.amount(),
        });
        let path = format!("/v1/payments/{}/cancel", encode(key));
        match self
            .send(
                reqwest::Method::POST,
                &path,
                Some(&body),
                Some(&request.idempotency_key),
            )
            .await
        {
            Ok(payment) => Ok(RefundDone {
                provider_ref: payment
                    .get("cancels")
                    .and_then(Value::as_array)
                    .and_then(|c| c.last())
                    .and_then(|c| c.get("transactionKey"))
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            }),
            Err(Refusal::Toss { status, code }) if status < 500 => {
                Err(PaymentError::Declined(code))
            }
            Err(other) => Err(provider_error(other)),
        }
    }

    /// Toss signs no payment webhook: the body only names a payment, which is read back from
    /// Toss; the event is what Toss says now. A virtual account's `DEPOSIT_CALLBACK` counts only
    /// when its `secret` is the one Toss holds for that payment.
    async fn verify_event(
        &self,
        _signature: &str,
        body: &[u8],
        _now: Timestamp,
    ) -> Result<PaymentEvent, PaymentError> {
        let hint: Value = serde_json::from_slice(body)
            .map_err(|e| PaymentError::Verification(format!("not a Toss webhook: {e}")))?;
        let kind = hint
            .get("eventType")
            .and_then(Value::as_str)
            .unwrap_or("DEPOSIT_CALLBACK")
            .to_owned();
        let ignored = |kind: String| PaymentEvent {
            provider: PaymentMethod::TossPayments,
            id: format!(
                "{kind}:{}",
                hint.get("createdAt").and_then(Value::as_str).unwrap_or("")
            ),
            kind,
            fact: PaymentFact::Ignored,
        };
        let payment = match kind.as_str() {
            "PAYMENT_STATUS_CHANGED" => {
                let Some(key) = hint.pointer("/data/paymentKey").and_then(Value::as_str) else {
                    return Err(PaymentError::Verification(
                        "no paymentKey in the webhook".into(),
                    ));
                };
                self.payment(key).await?
            }
            "DEPOSIT_CALLBACK" => {
                let (Some(order_id), Some(secret)) = (
                    hint.get("orderId").and_then(Value::as_str),
                    hint.get("secret").and_then(Value::as_str),
                ) else {
                    return Err(PaymentError::Verification(
                        "a deposit callback names its order and secret".into(),
                    ));
                };
                let path = format!("/v1/payments/orders/{}", encode(order_id));
                let payment = self
                    .send(reqwest::Method::GET, &path, None, None)
                    .await
                    .map_err(provider_error)?;
                let held = payment.get("secret").and_then(Value::as_str).unwrap_or("");
                if !constant_time_eq(held.as_bytes(), secret.as_bytes()) || held.is_empty() {
                    return Err(PaymentError::Verification(
                        "the deposit callback's secret is not the payment's".into(),
                    ));
                }
                payment
            }
            _ => return Ok(ignored(kind)),
        };
        let (id, fact) = fact(&payment);
        Ok(PaymentEvent {
            provider: PaymentMethod::TossPayments,
            id,
            kind,
            fact,
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
