//! TossPayments (spec §12), against the Toss fake of providers.md §2, on both stores: the
//! widget flow for a won cart, amounts that are not ours, a refusal and the retry, webhooks that
//! are only hints, partial then full refunds.

use merx_fakes::toss::{CLIENT_KEY, FakeToss, SECRET_KEY};
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::{call, product};
use crate::checkout::{guest_cart, open, stock};
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app_with};

both_stores!(
    a_won_cart_is_paid_through_the_widget_once,
    an_amount_that_is_not_ours_never_reaches_toss,
    a_refusal_keeps_the_stock_for_another_try,
    a_webhook_is_only_a_hint_and_counts_once,
    partial_then_full_refunds_go_through_toss_cancel,
    an_order_placed_first_is_paid_through_the_widget,
    a_toss_payment_pays_only_the_order_it_was_made_for,
    only_the_owner_confirms_a_toss_payment,
);

fn with_toss(fake: &FakeToss) -> impl FnOnce(&mut merx::Config) + use<> {
    let base = fake.url();
    move |c: &mut merx::Config| {
        c.currency = merx_kernel::Currency::Krw;
        c.toss = Some(merx_tosspayments::TossConfig {
            secret_key: SECRET_KEY.into(),
            client_key: CLIENT_KEY.into(),
            api_base: Some(base),
        });
    }
}

fn seoul() -> Value {
    json!({"name": "김민지", "line1": "세종대로 110", "city": "Seoul", "postal_code": "04524",
           "country": "KR"})
}

fn toss_session(cart: &str) -> Value {
    json!({"cart_id": cart, "email": "minji@example.kr", "shipping_address": seoul(),
           "billing_address": "same", "shipping_method": "standard",
           "payment_method": "tosspayments"})
}

/// A shop on Toss with a guest's session for `quantity` units at ₩`price`.
struct TossCheckout {
    fake: FakeToss,
    app: TestApp,
    session: Value,
    /// The widget's `orderId`.
    order_id: String,
    amount: i64,
    pid: String,
    vid: String,
}

async fn toss_checkout(
    store: Store,
    sku: &str,
    price: i64,
    quantity: i64,
    guest: &str,
) -> TossCheckout {
    let fake = FakeToss::start().await;
    let app = spawn_app_with(store, with_toss(&fake)).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, sku, "KRW", price, 5).await;
    let cart = guest_cart(&app, guest, &vid, quantity).await;
    let session = json_of(open(&app, guest, toss_session(&cart)).await, 201).await;
    let order_id = session["payment"]["order_id"]
        .as_str()
        .expect("order id")
        .to_owned();
    let amount = session["amount"].as_i64().expect("amount");
    TossCheckout {
        fake,
        app,
        session,
        order_id,
        amount,
        pid,
        vid,
    }
}

async fn confirm(app: &TestApp, guest: &str, key: &str, order_id: &str, amount: i64) -> Response {
    call(
        app,
        Method::POST,
        "/api/v1/payments/tosspayments/confirm",
        Some(json!({"paymentKey": key, "orderId": order_id, "amount": amount})),
        Some(guest),
        None,
    )
    .await
}

async fn webhook(app: &TestApp, body: &str) -> Response {
    app.request(Method::POST, "/api/v1/webhooks/tosspayments")
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("sent")
}

async fn a_won_cart_is_paid_through_the_widget_once(store: Store) {
    let guest = "sess-toss-001";
    let TossCheckout {
        fake,
        app,
        session,
        order_id,
        amount,
        pid,
        vid,
    } = toss_checkout(store, "KR-SILK", 19_500, 2, guest).await;
    let p = &session["payment"];
    assert_eq!(p["provider"], "tosspayments");
    assert_eq!(session["currency"], "KRW");
    assert_eq!(p["amount"], session["amount"], "whole won");
    assert_eq!(p["currency"], "KRW");
    assert_eq!(p["client_key"], CLIENT_KEY);
    assert_eq!(p["customer_email"], "minji@example.kr");
    assert!(p["order_name"].as_str().is_some_and(|n| !n.is_empty()));
    assert_eq!(p["order_id"], order_id.as_str());
    assert!((6..=64).contains(&order_id.len()));
    assert!(
        order_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    );
    assert_eq!(session["amount"], amount);
    assert_eq!(session["items"][0]["unit_price"], 19_500);

    let key = fake.authorize(&order_id, amount);
    let paid = json_of(confirm(&app, guest, &key, &order_id, amount).await, 200).await;
    let order = &paid["order"];
    assert_eq!(
        (order["status"].as_str(), order["payment_status"].as_str()),
        (Some("confirmed"), Some("paid"))
    );
    assert_eq!(order["currency"], "KRW");
    assert_eq!(order["total"], amount);
    assert_eq!(order["payment_provider_ref"], key.as_str());
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3));
    // A repeat answers the same order.
    let again = json_of(confirm(&app, guest, &key, &order_id, amount).await, 200).await;
    assert_eq!(again["order"]["id"], order["id"]);
    // Toss's own notice of it changes nothing more.
    json_of(webhook(&app, &fake.webhook(&key, "DONE")).await, 200).await;
    let admin = app.admin().await.access;
    let all = json_of(app.get("/api/v1/orders", Some(&admin)).await, 200).await;
    assert_eq!(all["total"], 1);
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3));
}

async fn an_amount_that_is_not_ours_never_reaches_toss(store: Store) {
    let guest = "sess-toss-002";
    let TossCheckout {
        fake,
        app,
        order_id,
        amount,
        ..
    } = toss_checkout(store, "KR-MUG", 12_000, 1, guest).await;
    let key = fake.authorize(&order_id, 100);
    let wrong = error_body(
        confirm(&app, guest, &key, &order_id, 100).await,
        422,
        "amount_mismatch",
    )
    .await;
    assert_eq!(wrong["details"]["amount"], amount);
    assert_eq!(fake.confirms(), 0, "Toss was not called");
    error_body(
        confirm(
            &app,
            guest,
            &key,
            "chk_00000000000000000000000000000000",
            amount,
        )
        .await,
        404,
        "checkout_not_found",
    )
    .await;
}

async fn a_refusal_keeps_the_stock_for_another_try(store: Store) {
    let guest = "sess-toss-003";
    let TossCheckout {
        fake,
        app,
        order_id,
        amount,
        pid,
        vid,
        ..
    } = toss_checkout(store, "KR-TEA", 8_000, 1, guest).await;
    let first = fake.authorize(&order_id, amount);
    fake.refuse(&first);
    let refused = error_body(
        confirm(&app, guest, &first, &order_id, amount).await,
        402,
        "payment_failed",
    )
    .await;
    assert_eq!(refused["details"]["provider_code"], "INVALID_REJECT_CARD");
    assert_eq!(stock(&app, &pid, &vid).await, (5, 1, 4), "still held");
    let second = fake.authorize(&order_id, amount);
    let paid = json_of(confirm(&app, guest, &second, &order_id, amount).await, 200).await;
    assert_eq!(paid["order"]["payment_status"], "paid");
    assert_eq!(stock(&app, &pid, &vid).await, (4, 0, 4));
}

async fn a_webhook_is_only_a_hint_and_counts_once(store: Store) {
    let guest = "sess-toss-004";
    let TossCheckout {
        fake,
        app,
        order_id,
        amount,
        pid,
        vid,
        ..
    } = toss_checkout(store, "KR-FAN", 30_000, 1, guest).await;
    let admin = app.admin().await.access;
    let key = fake.authorize(&order_id, amount);
    // Forged: the body says DONE, Toss says the buyer has not been confirmed.
    json_of(webhook(&app, &fake.webhook(&key, "DONE")).await, 200).await;
    let none = json_of(app.get("/api/v1/orders", Some(&admin)).await, 200).await;
    assert_eq!(none["total"], 0, "nothing changed");
    assert_eq!(stock(&app, &pid, &vid).await, (5, 1, 4));
    // The payment went through but the buyer's return was lost: Toss's notice, sent 7 times
    // (its retries), places one order.
    fake.complete(&key);
    for _ in 0..7 {
        json_of(webhook(&app, &fake.webhook(&key, "DONE")).await, 200).await;
    }
    let one = json_of(app.get("/api/v1/orders", Some(&admin)).await, 200).await;
    assert_eq!(one["total"], 1);
    assert_eq!(stock(&app, &pid, &vid).await, (4, 0, 4));
    // A body that is not even JSON is refused; one naming no payment too.
    error_body(webhook(&app, "{").await, 400, "webhook_verification_failed").await;
    error_body(
        webhook(&app, r#"{"eventType":"PAYMENT_STATUS_CHANGED","data":{}}"#).await,
        400,
        "webhook_verification_failed",
    )
    .await;
}

async fn partial_then_full_refunds_go_through_toss_cancel(store: Store) {
    let guest = "sess-toss-005";
    let TossCheckout {
        fake,
        app,
        order_id,
        amount,
        ..
    } = toss_checkout(store, "KR-LAMP", 45_000, 1, guest).await;
    let admin = app.admin().await.access;
    let key = fake.authorize(&order_id, amount);
    let paid = json_of(confirm(&app, guest, &key, &order_id, amount).await, 200).await;
    let id = paid["order"]["id"].as_str().unwrap().to_owned();
    let refunds = format!("/api/v1/orders/{id}/refunds");
    let part = json_of(
        app.post(
            &refunds,
            &json!({"amount": 5_000, "reason": "부분 환불"}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(part["currency"], "KRW");
    assert_eq!(part["status"], "succeeded");
    assert_eq!(fake.payment(&key).unwrap()["balanceAmount"], amount - 5_000);
    // Toss's notice of our own cancel is not counted on top.
    json_of(
        webhook(&app, &fake.webhook(&key, "PARTIAL_CANCELED")).await,
        200,
    )
    .await;
    let o = json_of(
        app.get(&format!("/api/v1/orders/{id}"), Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(
        (o["refunded_total"].as_i64(), o["payment_status"].as_str()),
        (Some(5_000), Some("partially_refunded"))
    );
    error_body(
        app.post(&refunds, &json!({"amount": amount}), Some(&admin))
            .await,
        409,
        "refund_exceeds_captured",
    )
    .await;
    json_of(app.post(&refunds, &json!({}), Some(&admin)).await, 201).await;
    assert_eq!(fake.payment(&key).unwrap()["status"], "CANCELED");
    let o = json_of(
        app.get(&format!("/api/v1/orders/{id}"), Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(
        (o["refunded_total"].as_i64(), o["payment_status"].as_str()),
        (Some(amount), Some("refunded"))
    );
}

async fn an_order_placed_first_is_paid_through_the_widget(store: Store) {
    let fake = FakeToss::start().await;
    let app = spawn_app_with(store, with_toss(&fake)).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "KR-FIRST", "KRW", 21_000, 3).await;
    let guest = "sess-toss-006";
    let cart = guest_cart(&app, guest, &vid, 1).await;
    let mut body = toss_session(&cart);
    body.as_object_mut().unwrap().remove("billing_address");
    let placed = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/orders",
            Some(body),
            Some(guest),
            None,
        )
        .await,
        201,
    )
    .await;
    let id = placed["id"]
        .as_str()
        .or(placed["order"]["id"].as_str())
        .unwrap()
        .to_owned();
    let token = placed["order_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let pay = json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/orders/{id}/payment?token={token}"),
            Some(json!({"payment_method": "tosspayments"})),
            Some(guest),
            None,
        )
        .await,
        200,
    )
    .await;
    let widget = &pay["payment"];
    assert_eq!(widget["provider"], "tosspayments");
    let order_id = widget["order_id"].as_str().unwrap().to_owned();
    assert!(order_id.starts_with("ord_"));
    let amount = widget["amount"].as_i64().unwrap();
    let key = fake.authorize(&order_id, amount);
    // An order placed first by a guest is theirs by its order token.
    error_body(
        confirm(&app, guest, &key, &order_id, amount).await,
        404,
        "order_not_found",
    )
    .await;
    let paid = json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/payments/tosspayments/confirm?token={token}"),
            Some(json!({"paymentKey": key, "orderId": order_id, "amount": amount})),
            Some(guest),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(paid["order"]["id"], id.as_str());
    assert_eq!(
        (
            paid["order"]["status"].as_str(),
            paid["order"]["payment_status"].as_str()
        ),
        (Some("confirmed"), Some("paid"))
    );
    assert_eq!(stock(&app, &pid, &vid).await, (2, 0, 2));
}

/// Spec §17: a payment made for session A, whose answer Merx never got, cannot complete
/// session B of the same amount, even when Toss answers `ALREADY_PROCESSED_PAYMENT` before it
/// compares order ids.
async fn a_toss_payment_pays_only_the_order_it_was_made_for(store: Store) {
    let guest_a = "sess-toss-pay-a";
    let TossCheckout {
        fake,
        app,
        order_id: order_a,
        amount,
        vid,
        ..
    } = toss_checkout(store, "KR-TWIN", 30_000, 1, guest_a).await;
    fake.answer_already_processed_first();
    let guest_b = "sess-toss-pay-b";
    let cart_b = guest_cart(&app, guest_b, &vid, 1).await;
    let session_b = json_of(open(&app, guest_b, toss_session(&cart_b)).await, 201).await;
    let order_b = session_b["payment"]["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(session_b["amount"], amount, "the same amount");
    let key = fake.authorize(&order_a, amount);
    fake.complete(&key);
    let mismatch = error_body(
        confirm(&app, guest_b, &key, &order_b, amount).await,
        409,
        "payment_mismatch",
    )
    .await;
    assert!(mismatch["request_id"].is_string());
    let b = session_b["checkout_id"].as_str().unwrap();
    let still = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/checkout/sessions/{b}"),
            None,
            Some(guest_b),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(still["status"], "open", "B is not paid by A's payment");
    let admin = app.admin().await.access;
    let none = json_of(app.get("/api/v1/orders", Some(&admin)).await, 200).await;
    assert_eq!(none["total"], 0);
    // The payment still completes the session it was made for.
    let paid = json_of(confirm(&app, guest_a, &key, &order_a, amount).await, 200).await;
    assert_eq!(paid["order"]["payment_status"], "paid");
    let one = json_of(app.get("/api/v1/orders", Some(&admin)).await, 200).await;
    assert_eq!(one["total"], 1);
}

/// Spec §17: the values of a success-redirect URL answer nobody but the session's owner, an
/// admin or an API key.
async fn only_the_owner_confirms_a_toss_payment(store: Store) {
    let guest = "sess-toss-owner";
    let TossCheckout {
        fake,
        app,
        order_id,
        amount,
        ..
    } = toss_checkout(store, "KR-OWNED", 12_000, 1, guest).await;
    let key = fake.authorize(&order_id, amount);
    let paid = json_of(confirm(&app, guest, &key, &order_id, amount).await, 200).await;
    // Someone who saw the redirect URL learns nothing.
    let stranger = error_body(
        confirm(&app, "sess-toss-stranger", &key, &order_id, amount).await,
        404,
        "checkout_not_found",
    )
    .await;
    assert!(!stranger.to_string().contains("minji@example.kr"));
    let nobody = call(
        &app,
        Method::POST,
        "/api/v1/payments/tosspayments/confirm",
        Some(json!({"paymentKey": key, "orderId": order_id, "amount": amount})),
        None,
        None,
    )
    .await;
    error_body(nobody, 404, "checkout_not_found").await;
    let customer = app.customer("curious@example.com").await.access;
    let signed_in = call(
        &app,
        Method::POST,
        "/api/v1/payments/tosspayments/confirm",
        Some(json!({"paymentKey": key, "orderId": order_id, "amount": amount})),
        None,
        Some(&customer),
    )
    .await;
    error_body(signed_in, 404, "checkout_not_found").await;
    // An admin may.
    let admin = app.admin().await.access;
    let by_admin = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/payments/tosspayments/confirm",
            Some(json!({"paymentKey": key, "orderId": order_id, "amount": amount})),
            None,
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(by_admin["order"]["id"], paid["order"]["id"]);
}
