//! A whole card checkout on the in-memory adapters, with a card provider of the embedding
//! service's own behind the `PaymentGateway` port: open a session (prices locked, stock held,
//! the provider's page started), then the provider's signed notice that the buyer paid makes
//! the session its one order, paid and confirmed, however often the notice comes.
//!
//! `cargo run --example card_checkout`

#[path = "shop/mod.rs"]
mod shop;

use std::sync::Arc;

use async_trait::async_trait;
use merx_checkout::SessionStatus;
use merx_kernel::{Money, Timestamp};
use merx_orders::Order;
use merx_payments::{
    PaymentConfirmation, PaymentError, PaymentEvent, PaymentFact, PaymentGateway, PaymentGateways,
    PaymentMethod, PaymentRequest, PaymentStart, PaymentState, PaymentSubject, ProviderStatus,
    RefundDone, RefundRequest,
};
use serde_json::{Map, Value, json};

/// The secret the provider signs its notices with (a real one: an HMAC over the body).
const NOTICE_SECRET: &str = "whsec_example";

/// A card provider that hosts the payment page and tells the shop when a buyer paid. It plays
/// the `stripe` method here; an embedding service plugs its own in the same way.
struct ExampleCards;

#[async_trait]
impl PaymentGateway for ExampleCards {
    fn method(&self) -> PaymentMethod {
        PaymentMethod::Stripe
    }

    async fn start(&self, request: &PaymentRequest) -> Result<PaymentStart, PaymentError> {
        let page = format!("https://pay.example/{}", request.subject.order_id());
        let mut client = Map::new();
        client.insert("url".into(), Value::String(page));
        Ok(PaymentStart {
            method: PaymentMethod::Stripe,
            provider_ref: Some(format!("page_{}", request.subject.order_id())),
            client,
            settles_on_delivery: false,
        })
    }

    async fn retrieve(&self, _provider_ref: &str) -> Result<PaymentState, PaymentError> {
        Ok(PaymentState {
            status: ProviderStatus::Open,
            paid: None,
            payment_ref: None,
            subject: None,
        })
    }

    async fn expire(&self, provider_ref: &str) -> Result<PaymentState, PaymentError> {
        Ok(PaymentState {
            status: ProviderStatus::Expired,
            ..self.retrieve(provider_ref).await?
        })
    }

    async fn confirm(&self, _: &PaymentConfirmation) -> Result<PaymentState, PaymentError> {
        Err(PaymentError::Unavailable(
            "this provider captures by itself".into(),
        ))
    }

    async fn refund(&self, _: &RefundRequest) -> Result<RefundDone, PaymentError> {
        Ok(RefundDone { provider_ref: None })
    }

    /// The notice names the session's provider order id, the amount and the payment.
    async fn verify_event(
        &self,
        signature: &str,
        body: &[u8],
        _now: Timestamp,
    ) -> Result<PaymentEvent, PaymentError> {
        if signature != NOTICE_SECRET {
            return Err(PaymentError::Verification(
                "not signed by the provider".into(),
            ));
        }
        let notice: Value = serde_json::from_slice(body)
            .map_err(|e| PaymentError::Verification(format!("not a notice: {e}")))?;
        let text = |key: &str| notice[key].as_str().unwrap_or_default().to_owned();
        let amount = notice["amount"].as_i64().unwrap_or_default();
        let currency = text("currency")
            .parse()
            .map_err(|_| PaymentError::Verification("no currency".into()))?;
        Ok(PaymentEvent {
            provider: PaymentMethod::Stripe,
            id: text("id"),
            kind: "payment.succeeded".into(),
            fact: PaymentFact::Paid {
                subject: PaymentSubject::from_order_id(&text("order_id")),
                amount: Money::new(amount, currency),
                payment_ref: Some(text("payment")),
            },
        })
    }
}

/// The order the paid session became, and the bottles left on the shelf after it.
async fn pay_by_card() -> (Order, i64) {
    let shop = shop::open().await;
    let oil = shop.hair_oil(5).await;
    let guest = shop::guest();
    let cart = shop.cart_with(&guest, &oil, 2).await;
    let checkout = shop.checkout(PaymentGateways::cash_only().with(Arc::new(ExampleCards)));
    let mut request = shop::checkout_request(cart.id, "stripe");
    request.success_url = Some("https://shop.example/thanks".into());
    let session = checkout
        .open(request, &guest, None)
        .await
        .expect("a session");
    println!("pay at {}", session.payment.client["url"]);
    // The buyer paid on the provider's page; its notice arrives (twice: providers retry).
    let notice = json!({
        "id": "evt_example_1",
        "order_id": PaymentSubject::Checkout(*session.id.as_uuid()).order_id(),
        "amount": session.total().amount(),
        "currency": session.total().currency().code(),
        "payment": "pay_example_1",
    })
    .to_string();
    for _ in 0..2 {
        checkout
            .receive_webhook(PaymentMethod::Stripe, NOTICE_SECRET, notice.as_bytes())
            .await
            .expect("a verified notice");
    }
    let done = checkout.get(session.id, &guest).await.expect("the session");
    assert_eq!(done.status, SessionStatus::Complete);
    let order_id = done.order_id.expect("its order");
    let viewer = merx_orders::OrderViewer {
        user: None,
        is_admin: true,
        token_hash: None,
    };
    let order = checkout
        .orders()
        .get(order_id, &viewer)
        .await
        .expect("the order");
    let left = shop
        .catalog
        .get(oil.product.id, merx_catalog::Audience::Admin)
        .await
        .expect("the product")
        .levels[0]
        .on_hand;
    (order, left)
}

#[tokio::main]
async fn main() {
    let (o, left) = pay_by_card().await;
    println!(
        "order {} {} / {}: {} {} (payment {})",
        o.number,
        o.status.as_str(),
        o.payment_status.as_str(),
        o.totals.total,
        o.currency.code(),
        o.payment_provider_ref.as_deref().unwrap_or("-")
    );
    println!("bottles left: {left}");
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_paid_notice_makes_one_paid_confirmed_order_and_takes_the_stock() {
        let (order, left) = super::pay_by_card().await;
        assert_eq!(order.status.as_str(), "confirmed");
        assert_eq!(order.payment_status.as_str(), "paid");
        assert_eq!(order.payment_provider_ref.as_deref(), Some("pay_example_1"));
        assert_eq!(order.ledger.captured, order.totals.total);
        assert_eq!(left, 3, "two bottles sold, once");
    }
}
