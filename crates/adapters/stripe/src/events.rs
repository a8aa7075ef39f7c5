//! Stripe events (providers.md §1.8) read as Merx's [`PaymentEvent`]s. Only the fields Merx
//! acts on are read; every type Merx does not handle is `Ignored` (and acknowledged).

use merx_kernel::{Currency, Money};
use merx_payments::{PaymentError, PaymentEvent, PaymentFact, PaymentMethod, PaymentSubject};
use serde_json::Value;

use crate::wire::{id_of, text};

/// Metadata keys that carry our ids through Stripe.
pub(crate) const CHECKOUT_KEY: &str = "merx_checkout_id";
pub(crate) const ORDER_KEY: &str = "merx_order_id";

/// Reads a verified event body.
///
/// # Errors
/// [`PaymentError::Verification`] for a body that is not a Stripe event.
pub fn parse_event(body: &[u8]) -> Result<PaymentEvent, PaymentError> {
    let event: Value = serde_json::from_slice(body)
        .map_err(|e| PaymentError::Verification(format!("not a Stripe event: {e}")))?;
    let (Some(id), Some(kind)) = (text(&event, "id"), text(&event, "type")) else {
        return Err(PaymentError::Verification(
            "a Stripe event has an id and a type".into(),
        ));
    };
    let object = event.pointer("/data/object").unwrap_or(&Value::Null);
    Ok(PaymentEvent {
        provider: PaymentMethod::Stripe,
        id: id.to_owned(),
        kind: kind.to_owned(),
        fact: fact(kind, object),
    })
}

fn fact(kind: &str, o: &Value) -> PaymentFact {
    match kind {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            if text(o, "payment_status") != Some("paid") {
                return PaymentFact::AwaitingFunds;
            }
            paid(o, "amount_total", id_of(o, "payment_intent"))
        }
        "checkout.session.expired" => PaymentFact::Expired {
            subject: subject(o),
        },
        "checkout.session.async_payment_failed" => PaymentFact::Failed {
            subject: subject(o),
            payment_ref: id_of(o, "payment_intent"),
        },
        "payment_intent.succeeded" => {
            let received = if o
                .get("amount_received")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                > 0
            {
                "amount_received"
            } else {
                "amount"
            };
            paid(o, received, text(o, "id").map(str::to_owned))
        }
        "payment_intent.payment_failed" => PaymentFact::Failed {
            subject: subject(o),
            payment_ref: text(o, "id").map(str::to_owned),
        },
        "charge.refunded" => match id_of(o, "payment_intent") {
            Some(payment_ref) => PaymentFact::Refunded {
                payment_ref,
                refunded_total: o
                    .get("amount_refunded")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
                refund_ref: o
                    .pointer("/refunds/data/0/id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            },
            None => PaymentFact::Ignored,
        },
        "charge.dispute.created" => match id_of(o, "payment_intent") {
            Some(payment_ref) => PaymentFact::Disputed { payment_ref },
            None => PaymentFact::Ignored,
        },
        _ => PaymentFact::Ignored,
    }
}

fn paid(o: &Value, amount_field: &str, payment_ref: Option<String>) -> PaymentFact {
    match money(o, amount_field) {
        Some(amount) => PaymentFact::Paid {
            subject: subject(o),
            amount,
            payment_ref,
        },
        // A currency Merx does not sell in can never be an order's: nothing to confirm.
        None => PaymentFact::Ignored,
    }
}

pub(crate) fn money(o: &Value, amount_field: &str) -> Option<Money> {
    let amount = o.get(amount_field)?.as_i64()?;
    let currency: Currency = text(o, "currency")?.parse().ok()?;
    Some(Money::new(amount, currency))
}

/// Which of our objects a Stripe object pays for: its metadata, else (a Checkout Session)
/// its `client_reference_id`.
fn subject(o: &Value) -> Option<PaymentSubject> {
    let meta = |key: &str| {
        o.get("metadata")
            .and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .and_then(|s| uuid::Uuid::parse_str(s).ok())
    };
    meta(CHECKOUT_KEY)
        .map(PaymentSubject::Checkout)
        .or_else(|| meta(ORDER_KEY).map(PaymentSubject::Order))
        .or_else(|| {
            text(o, "client_reference_id")
                .and_then(|s| uuid::Uuid::parse_str(s).ok())
                .map(PaymentSubject::Checkout)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paid_session_names_its_checkout_amount_and_payment_intent() {
        let id = uuid::Uuid::new_v4();
        let body = serde_json::json!({
            "id": "evt_1", "object": "event", "type": "checkout.session.completed",
            "data": {"object": {"id": "cs_test_1", "object": "checkout.session",
                "payment_status": "paid", "amount_total": 1500, "currency": "krw",
                "client_reference_id": id.to_string(), "payment_intent": "pi_1",
                "metadata": {}}}
        });
        let event = parse_event(body.to_string().as_bytes()).expect("parses");
        assert_eq!(
            event.fact,
            PaymentFact::Paid {
                subject: Some(PaymentSubject::Checkout(id)),
                amount: Money::new(1500, Currency::Krw),
                payment_ref: Some("pi_1".into()),
            }
        );
        let unpaid = body.to_string().replace("\"paid\"", "\"unpaid\"");
        assert_eq!(
            parse_event(unpaid.as_bytes()).expect("parses").fact,
            PaymentFact::AwaitingFunds
        );
        let other = r#"{"id":"evt_2","type":"customer.created","data":{"object":{}}}"#;
        assert_eq!(
            parse_event(other.as_bytes()).expect("parses").fact,
            PaymentFact::Ignored
        );
        assert!(parse_event(b"not json").is_err());
    }

    #[test]
    fn refunds_and_disputes_name_the_payment_intent() {
        let refund = r#"{"id":"evt_3","type":"charge.refunded","data":{"object":{"id":"ch_1",
            "payment_intent":"pi_9","amount_refunded":700,"refunds":{"data":[{"id":"re_1"}]}}}}"#;
        assert_eq!(
            parse_event(refund.as_bytes()).expect("parses").fact,
            PaymentFact::Refunded {
                payment_ref: "pi_9".into(),
                refunded_total: 700,
                refund_ref: Some("re_1".into()),
            }
        );
        let dispute = r#"{"id":"evt_4","type":"charge.dispute.created","data":{"object":{
            "id":"dp_1","payment_intent":"pi_9"}}}"#;
        assert_eq!(
            parse_event(dispute.as_bytes()).expect("parses").fact,
            PaymentFact::Disputed {
                payment_ref: "pi_9".into()
            }
        );
    }
}
