//! The TossPayments adapter against the fake of providers.md §2.

use merx_fakes::toss::{CLIENT_KEY, FakeToss, SECRET_KEY};
use merx_kernel::{Currency, Money};
use merx_payments::{
    PaymentConfirmation, PaymentError, PaymentFact, PaymentFlow, PaymentGateway, PaymentRequest,
    PaymentSubject, ProviderStatus, RefundRequest,
};
use merx_tosspayments::{TossConfig, TossGateway};

fn gateway(fake: &FakeToss, secret: &str) -> TossGateway {
    TossGateway::new(TossConfig {
        secret_key: secret.into(),
        client_key: CLIENT_KEY.into(),
        api_base: Some(fake.url()),
    })
    .expect("gateway")
}

fn confirmation(subject: PaymentSubject, key: &str, won: i64) -> PaymentConfirmation {
    PaymentConfirmation {
        payment_ref: key.into(),
        subject,
        amount: Money::new(won, Currency::Krw),
        idempotency_key: format!("merx-{}-{key}-confirm", subject.order_id()),
    }
}

#[tokio::test]
async fn the_widget_gets_our_order_and_a_confirm_is_idempotent() {
    let fake = FakeToss::start().await;
    let toss = gateway(&fake, SECRET_KEY);
    let subject = PaymentSubject::Order(uuid::Uuid::new_v4());
    let start = toss
        .start(&PaymentRequest {
            subject,
            flow: PaymentFlow::Redirect,
            description: "실크 베개커버 외 1건".into(),
            amount: Money::new(39_000, Currency::Krw),
            lines: Vec::new(),
            email: "buyer@example.kr".into(),
            success_url: None,
            cancel_url: None,
            expires_at: chrono::Utc::now(),
            idempotency_key: "k".into(),
            metadata: serde_json::Map::new(),
        })
        .await
        .expect("widget data");
    assert_eq!(start.client["order_id"], subject.order_id().as_str());
    assert_eq!(start.client["amount"], 39_000, "whole won");
    assert_eq!(start.client["client_key"], CLIENT_KEY);
    assert_eq!(
        fake.confirms(),
        0,
        "nothing is sent to Toss before the buyer returns"
    );

    let key = fake.authorize(&subject.order_id(), 39_000);
    let state = toss
        .confirm(&confirmation(subject, &key, 39_000))
        .await
        .expect("confirms");
    assert_eq!(state.status, ProviderStatus::Complete);
    assert_eq!(state.paid, Some(Money::new(39_000, Currency::Krw)));
    // The same confirm again: Toss replays the first answer.
    let again = toss
        .confirm(&confirmation(subject, &key, 39_000))
        .await
        .expect("replays");
    assert_eq!(again, state);
    // Another key after a lost answer: ALREADY_PROCESSED_PAYMENT, read back instead.
    let mut other = confirmation(subject, &key, 39_000);
    other.idempotency_key = "another".into();
    assert_eq!(
        toss.confirm(&other).await.expect("read back").status,
        ProviderStatus::Complete
    );
}

#[tokio::test]
async fn a_refusal_names_tosss_code_and_a_wrong_key_is_refused() {
    let fake = FakeToss::start().await;
    let subject = PaymentSubject::Checkout(uuid::Uuid::new_v4());
    let key = fake.authorize(&subject.order_id(), 15_000);
    fake.refuse(&key);
    let refused = gateway(&fake, SECRET_KEY)
        .confirm(&confirmation(subject, &key, 15_000))
        .await;
    assert_eq!(
        refused,
        Err(PaymentError::Declined("INVALID_REJECT_CARD".into()))
    );
    // Basic auth without the colon is not Toss's scheme: the fake answers 401.
    let wrong = gateway(&fake, "test_sk_someone_else").retrieve(&key).await;
    assert!(matches!(wrong, Err(PaymentError::Provider(_))), "{wrong:?}");
}

#[tokio::test]
async fn cancels_are_partial_then_full_and_never_more() {
    let fake = FakeToss::start().await;
    let toss = gateway(&fake, SECRET_KEY);
    let subject = PaymentSubject::Order(uuid::Uuid::new_v4());
    let key = fake.authorize(&subject.order_id(), 10_000);
    toss.confirm(&confirmation(subject, &key, 10_000))
        .await
        .expect("confirms");
    let cancel = |won: i64, k: &str| RefundRequest {
        payment_ref: Some(key.clone()),
        amount: Money::new(won, Currency::Krw),
        reason: Some("고객 요청".into()),
        idempotency_key: k.into(),
    };
    let first = toss
        .refund(&cancel(3_000, "merx-refund-1"))
        .await
        .expect("partial");
    assert!(first.provider_ref.is_some());
    toss.refund(&cancel(3_000, "merx-refund-1"))
        .await
        .expect("replayed, not again");
    assert_eq!(fake.payment(&key).unwrap()["balanceAmount"], 7_000);
    assert_eq!(fake.payment(&key).unwrap()["status"], "PARTIAL_CANCELED");
    let over = toss.refund(&cancel(7_001, "merx-refund-2")).await;
    assert_eq!(
        over,
        Err(PaymentError::Declined("NOT_CANCELABLE_AMOUNT".into()))
    );
    toss.refund(&cancel(7_000, "merx-refund-3"))
        .await
        .expect("the rest");
    assert_eq!(fake.payment(&key).unwrap()["status"], "CANCELED");
}

#[tokio::test]
async fn a_webhook_is_a_hint_read_back_from_toss() {
    let fake = FakeToss::start().await;
    let toss = gateway(&fake, SECRET_KEY);
    let subject = PaymentSubject::Checkout(uuid::Uuid::new_v4());
    let key = fake.authorize(&subject.order_id(), 20_000);
    // A forged "DONE" for a payment Toss has not confirmed: Toss says IN_PROGRESS.
    let forged = fake.webhook(&key, "DONE");
    let event = toss
        .verify_event("", forged.as_bytes(), chrono::Utc::now())
        .await
        .expect("read back");
    assert_eq!(event.fact, PaymentFact::Ignored);
    toss.confirm(&confirmation(subject, &key, 20_000))
        .await
        .expect("confirms");
    let real = fake.webhook(&key, "DONE");
    let event = toss
        .verify_event("", real.as_bytes(), chrono::Utc::now())
        .await
        .expect("read back");
    assert_eq!(
        event.fact,
        PaymentFact::Paid {
            subject: Some(subject),
            amount: Money::new(20_000, Currency::Krw),
            payment_ref: Some(key.clone()),
        }
    );
    let twice = toss
        .verify_event("", real.as_bytes(), chrono::Utc::now())
        .await
        .expect("read back");
    assert_eq!(twice.id, event.id, "the same state is the same event");
    assert!(
        toss.verify_event("", b"{", chrono::Utc::now())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_deposit_callback_counts_only_with_the_payments_secret() {
    let fake = FakeToss::start().await;
    let toss = gateway(&fake, SECRET_KEY);
    let subject = PaymentSubject::Order(uuid::Uuid::new_v4());
    let key = fake.authorize(&subject.order_id(), 50_000);
    let secret = fake.issue_virtual_account(&key);
    let waiting = toss
        .verify_event(
            "",
            fake.webhook(&key, "WAITING_FOR_DEPOSIT").as_bytes(),
            chrono::Utc::now(),
        )
        .await
        .expect("read back");
    assert_eq!(waiting.fact, PaymentFact::AwaitingFunds);
    let callback = fake.deposit(&key, &secret);
    let forged = callback.replace(&secret, "ps_guessed");
    assert!(matches!(
        toss.verify_event("", forged.as_bytes(), chrono::Utc::now())
            .await,
        Err(PaymentError::Verification(_))
    ));
    let event = toss
        .verify_event("", callback.as_bytes(), chrono::Utc::now())
        .await
        .expect("the payment's own secret");
    assert_eq!(
        event.fact,
        PaymentFact::Paid {
            subject: Some(subject),
            amount: Money::new(50_000, Currency::Krw),
            payment_ref: Some(key),
        }
    );
}
