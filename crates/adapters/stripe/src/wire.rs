//! Sending one Stripe request: async-stripe builds the form body with bracket keys, pins the
//! `Stripe-Version` and authenticates; this module adds our Idempotency-Key on every write,
//! retries what Stripe says may be retried (409, 429, 5xx, a lost connection) with the same
//! key, and reads the answer as plain JSON, so a field Stripe adds or drops never breaks us.

use std::time::Duration;

use merx_payments::PaymentError;
use serde_json::Value;
use stripe::{IdempotencyKey, RequestStrategy, StripeError, StripeRequest};

/// Attempts per request, the first included.
const ATTEMPTS: u32 = 3;

/// Sends `request` (a write when `idempotency_key` is given) and answers Stripe's JSON.
pub(crate) async fn send<R: StripeRequest>(
    client: &stripe::Client,
    request: &R,
    idempotency_key: Option<&str>,
) -> Result<Value, PaymentError> {
    let key = idempotency_key
        .map(IdempotencyKey::new)
        .transpose()
        .map_err(|e| PaymentError::Provider(format!("idempotency key: {e:?}")))?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let strategy = key
            .clone()
            .map_or(RequestStrategy::Once, RequestStrategy::Idempotent);
        let sent = request
            .build()
            .customize::<miniserde::json::Value>()
            .request_strategy(strategy)
            .send(client)
            .await;
        match sent {
            Ok(value) => {
                let text = miniserde::json::to_string(&value);
                return serde_json::from_str(&text)
                    .map_err(|e| PaymentError::Provider(format!("stripe answered oddly: {e}")));
            }
            Err(e) if attempt < ATTEMPTS && retryable(&e) => {
                // Exponential backoff with a little jitter, well inside a request's budget.
                let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 50);
                let wait = 100 * 4_u64.pow(attempt - 1) + jitter;
                tracing::warn!(attempt, error = %e, "stripe request failed; retrying");
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            Err(e) => return Err(payment_error(&e)),
        }
    }
}

fn retryable(e: &StripeError) -> bool {
    match e {
        StripeError::Stripe(_, status) => matches!(status, 409 | 429 | 500..=599),
        StripeError::ClientError(_) | StripeError::Timeout => true,
        StripeError::JSONDeserialize(_) | StripeError::ConfigError(_) => false,
    }
}

/// Stripe's refusal in Merx's terms: a card refusal is `Declined`; anything else is the
/// provider failing (never a message match: Stripe's `type`/`code` and status decide).
fn payment_error(e: &StripeError) -> PaymentError {
    match e {
        StripeError::Stripe(err, status) => {
            let code = err
                .code
                .as_ref()
                .map_or_else(|| format!("{:?}", err.type_), |c| format!("{c:?}"));
            if *status == 402 || matches!(err.type_, stripe::ApiErrorsType::CardError) {
                PaymentError::Declined(code)
            } else {
                PaymentError::Provider(format!("stripe answered {status}: {code}"))
            }
        }
        other => PaymentError::Provider(format!("stripe unreachable: {other}")),
    }
}

/// A string field of Stripe's JSON.
pub(crate) fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The id of an expandable field (an id string, or the object with its `id`).
pub(crate) fn id_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}
