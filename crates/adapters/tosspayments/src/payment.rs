//! Toss's `Payment` object (providers.md §2.6) read as Merx's state and facts.

use merx_kernel::{Currency, Money};
use merx_payments::{PaymentFact, PaymentState, PaymentSubject, ProviderStatus};
use serde_json::Value;

fn text<'a>(p: &'a Value, key: &str) -> Option<&'a str> {
    p.get(key).and_then(Value::as_str)
}

fn amount(p: &Value, key: &str) -> Option<Money> {
    let won = p.get(key)?.as_i64()?;
    let currency: Currency = text(p, "currency").unwrap_or("KRW").parse().ok()?;
    Some(Money::new(won, currency))
}

pub(crate) fn payment_key(p: &Value) -> Option<String> {
    text(p, "paymentKey").map(str::to_owned)
}

pub(crate) fn subject(p: &Value) -> Option<PaymentSubject> {
    text(p, "orderId").and_then(PaymentSubject::from_order_id)
}

/// Where the payment is.
pub(crate) fn state(p: &Value) -> PaymentState {
    let status = match text(p, "status") {
        Some("DONE" | "CANCELED" | "PARTIAL_CANCELED") => ProviderStatus::Complete,
        Some("ABORTED" | "EXPIRED") => ProviderStatus::Expired,
        _ => ProviderStatus::Open,
    };
    PaymentState {
        status,
        paid: (status == ProviderStatus::Complete)
            .then(|| amount(p, "totalAmount"))
            .flatten(),
        payment_ref: payment_key(p),
        subject: subject(p),
    }
}

/// What a payment read back from Toss says happened. Toss names no event ids: a state is
/// identified by its payment, status and last transaction, so the same state read twice is
/// the same event.
pub(crate) fn fact(p: &Value) -> (String, PaymentFact) {
    let key = payment_key(p).unwrap_or_default();
    let status = text(p, "status").unwrap_or("UNKNOWN");
    let id = format!(
        "{key}:{status}:{}",
        text(p, "lastTransactionKey").unwrap_or_default()
    );
    let fact = match status {
        "DONE" => match amount(p, "totalAmount") {
            Some(paid) => PaymentFact::Paid {
                subject: subject(p),
                amount: paid,
                payment_ref: Some(key),
            },
            None => PaymentFact::Ignored,
        },
        "CANCELED" | "PARTIAL_CANCELED" => {
            let total = p.get("totalAmount").and_then(Value::as_i64).unwrap_or(0);
            let balance = p.get("balanceAmount").and_then(Value::as_i64).unwrap_or(0);
            PaymentFact::Refunded {
                payment_ref: key,
                refunded_total: total - balance,
                refund_ref: p
                    .get("cancels")
                    .and_then(Value::as_array)
                    .and_then(|c| c.last())
                    .and_then(|c| text(c, "transactionKey"))
                    .map(str::to_owned),
            }
        }
        "ABORTED" | "EXPIRED" => PaymentFact::Failed {
            subject: subject(p),
            payment_ref: Some(key),
        },
        "WAITING_FOR_DEPOSIT" => PaymentFact::AwaitingFunds,
        _ => PaymentFact::Ignored,
    };
    (id, fact)
}
