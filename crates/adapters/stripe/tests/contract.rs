//! The Stripe adapter against the fake of providers.md §1.

use merx_fakes::stripe::{FakeStripe, PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET};
use merx_kernel::{Currency, Money};
use merx_payments::{
    PaymentError, PaymentFlow, PaymentGateway, PaymentLine, PaymentRequest, PaymentSubject,
    ProviderStatus, RefundRequest,
};
use merx_stripe::{StripeConfig, StripeGateway};

fn gateway(fake: &FakeStripe) -> StripeGateway {
    StripeGateway::new(StripeConfig {
        secret_key: SECRET_KEY.into(),
        publishable_key: PUBLISHABLE_KEY.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        api_base: Some(fake.url()),
    })
    .expect("gateway")
}

fn request(flow: PaymentFlow, key: &str) -> PaymentRequest {
    PaymentRequest {
        subject: PaymentSubject::Checkout(uuid::Uuid::new_v4()),
        flow,
        description: "Mug and 1 more".into(),
        amount: Money::new(15_000, Currency::Krw),
        lines: vec![
            PaymentLine {
                name: "Mug".into(),
                unit_amount: 5_000,
                quantity: 2,
            },
            PaymentLine {
                name: "Shipping".into(),
                unit_amount: 5_000,
                quantity: 1,
            },
        ],
        email: "buyer@example.com".into(),
        success_url: Some("https://shop.test/done?s={CHECKOUT_SESSION_ID}".into()),
        cancel_url: Some("https://shop.test/cart".into()),
        expires_at: chrono::Utc::now() + chrono::Duration::minutes(15),
        idempotency_key: key.into(),
        metadata: serde_json::Map::new(),
    }
}

#[tokio::test]
async fn a_hosted_session_is_form_encoded_pinned_and_idempotent() {
    let fake = FakeStripe::start().await;
    let stripe = gateway(&fake);
    let r = request(PaymentFlow::Redirect, "merx-checkout-1-start");
    let start = stripe.start(&r).await.expect("starts");
    let id = start.provider_ref.clone().expect("session id");
    assert!(start.client["url"].as_str().unwrap().ends_with(&id));
    let sent = &fake.requests()[0];
    assert_eq!(sent.path, "/v1/checkout/sessions");
    assert_eq!(sent.field("ui_mode"), Some("hosted_page"));
    assert_eq!(
        sent.field("line_items[0][price_data][currency]"),
        Some("krw")
    );
    assert_eq!(
        sent.field("line_items[0][price_data][unit_amount]"),
        Some("5000")
    );
    assert_eq!(
        sent.field("client_reference_id"),
        Some(r.subject.reference().as_str())
    );
    assert_eq!(
        sent.field("metadata[merx_checkout_id]"),
        Some(r.subject.reference().as_str())
    );
    assert_eq!(
        sent.idempotency_key.as_deref(),
        Some("merx-checkout-1-start")
    );
    let session = fake.session(&id).expect("stored");
    assert_eq!(
        session["amount_total"], 15_000,
        "the lines add up to the amount"
    );
    assert!(session["expires_at"].as_i64().unwrap() >= chrono::Utc::now().timestamp() + 1_800);

    // The same start again replays the first answer: one session at Stripe.
    let again = stripe.start(&r).await.expect("replays");
    assert_eq!(again.provider_ref, start.provider_ref);
    assert!(fake.requests()[1].replayed);
    // The same key with other parameters is Stripe's idempotency_error.
    let mut other = r.clone();
    other.amount = Money::new(16_000, Currency::Krw);
    other.lines[0].unit_amount = 5_500;
    assert!(matches!(
        stripe.start(&other).await,
        Err(PaymentError::Provider(_))
    ));

    let state = stripe.retrieve(&id).await.expect("reads back");
    assert_eq!((state.status, state.paid), (ProviderStatus::Open, None));
    fake.pay_session(&id);
    let state = stripe.retrieve(&id).await.expect("reads back");
    assert_eq!(state.status, ProviderStatus::Complete);
    assert_eq!(state.paid, Some(Money::new(15_000, Currency::Krw)));
    assert!(
        state
            .payment_ref
            .as_deref()
            .is_some_and(|p| p.starts_with("pi_"))
    );
    // A paid session cannot be expired: it stays complete.
    let state = stripe.expire(&id).await.expect("answers");
    assert_eq!(state.status, ProviderStatus::Complete);
}

#[tokio::test]
async fn an_embedded_session_returns_and_an_open_one_expires() {
    let fake = FakeStripe::start().await;
    let stripe = gateway(&fake);
    let start = stripe
        .start(&request(PaymentFlow::Embedded, "k-embedded"))
        .await
        .expect("starts");
    assert_eq!(start.client["publishable_key"], PUBLISHABLE_KEY);
    assert!(
        start.client["client_secret"]
            .as_str()
            .unwrap()
            .contains("_secret_")
    );
    let sent = &fake.requests()[0];
    assert_eq!(sent.field("ui_mode"), Some("embedded_page"));
    assert_eq!(
        sent.field("success_url"),
        None,
        "not allowed with embedded_page"
    );
    assert!(sent.field("return_url").is_some());
    let id = start.provider_ref.unwrap();
    let state = stripe.expire(&id).await.expect("expires");
    assert_eq!(state.status, ProviderStatus::Expired);
}

#[tokio::test]
async fn rate_limits_are_retried_with_the_same_key_and_a_replayed_500_is_an_error() {
    let fake = FakeStripe::start().await;
    let stripe = gateway(&fake);
    fake.fail_next(429, 1);
    let start = stripe
        .start(&request(PaymentFlow::Intent, "merx-order-1-intent"))
        .await
        .expect("the retry succeeds");
    assert!(start.provider_ref.unwrap().starts_with("pi_"));
    let seen = fake.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].idempotency_key, seen[1].idempotency_key);

    // Stripe saves a 500 under its key: every retry replays it.
    fake.fail_next(500, 1);
    let failed = stripe
        .start(&request(PaymentFlow::Intent, "merx-order-2-intent"))
        .await;
    assert!(
        matches!(failed, Err(PaymentError::Provider(_))),
        "{failed:?}"
    );
    assert!(fake.requests().iter().filter(|s| s.replayed).count() >= 1);
}

#[tokio::test]
async fn refunds_carry_their_key_and_never_exceed_the_payment() {
    let fake = FakeStripe::start().await;
    let stripe = gateway(&fake);
    let id = stripe
        .start(&request(PaymentFlow::Redirect, "k-refund"))
        .await
        .unwrap()
        .provider_ref
        .unwrap();
    let pi = fake.pay_session(&id)["payment_intent"]
        .as_str()
        .unwrap()
        .to_owned();
    let refund = |amount: i64, key: &str| RefundRequest {
        payment_ref: Some(pi.clone()),
        amount: Money::new(amount, Currency::Krw),
        reason: Some("requested".into()),
        idempotency_key: key.into(),
    };
    let done = stripe
        .refund(&refund(5_000, "merx-refund-a"))
        .await
        .expect("refunds");
    assert!(done.provider_ref.unwrap().starts_with("re_"));
    // A retry of the same refund is the same refund.
    stripe
        .refund(&refund(5_000, "merx-refund-a"))
        .await
        .expect("replays");
    assert_eq!(fake.intent(&pi).unwrap()["amount_refunded"], 5_000);
    assert!(
        stripe
            .refund(&refund(10_001, "merx-refund-b"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn webhooks_are_verified_before_they_are_read() {
    let stripe = StripeGateway::new(StripeConfig {
        secret_key: SECRET_KEY.into(),
        publishable_key: PUBLISHABLE_KEY.into(),
        webhook_secret: WEBHOOK_SECRET.into(),
        api_base: Some("http://127.0.0.1:9".into()),
    })
    .unwrap();
    let (body, header) = FakeStripe::event("evt_1", "customer.created", &serde_json::json!({}));
    let now = chrono::Utc::now();
    assert_eq!(
        stripe
            .verify_event(&header, body.as_bytes(), now)
            .await
            .unwrap()
            .id,
        "evt_1"
    );
    let altered = body.replace("evt_1", "evt_2");
    assert!(matches!(
        stripe.verify_event(&header, altered.as_bytes(), now).await,
        Err(PaymentError::Verification(_))
    ));
    assert!(stripe.verify_event("", body.as_bytes(), now).await.is_err());
    let late = now + chrono::Duration::seconds(301);
    assert!(
        stripe
            .verify_event(&header, body.as_bytes(), late)
            .await
            .is_err(),
        "stale"
    );
}
