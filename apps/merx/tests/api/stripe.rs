//! Card payments through Stripe (spec §12), against the Stripe fake of providers.md, on both
//! stores: a paid session becomes exactly one order whichever comes first (the webhook or
//! the buyer's return), every event has one effect however often and in whatever order it
//! comes, money that disagrees is flagged, late payments are re-reserved or refunded, refunds
//! never exceed the captured amount.

use std::sync::Arc;

use merx_fakes::stripe::{FakeStripe, PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET};
use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::{call, product};
use crate::checkout::{guest_cart, open, sf, stock};
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app_with, start};

both_stores!(
    a_paid_session_becomes_one_order_whoever_comes_first,
    the_buyers_return_confirms_when_the_webhook_is_late,
    webhook_signatures_are_checked_before_anything_changes,
    money_that_disagrees_is_flagged_and_never_confirmed,
    a_payment_after_the_reservation_expired_is_re_reserved_or_refunded,
    refunds_stop_at_the_captured_amount_and_dashboard_refunds_count_once,
    an_order_placed_first_is_paid_with_a_payment_intent,
    stripe_unavailable_or_down_changes_nothing,
    a_session_paid_with_a_payment_intent_completes_once,
    the_sweeper_ends_stripes_session_before_the_stock_goes_back,
);

pub fn with_stripe(fake: &FakeStripe) -> impl FnOnce(&mut merx::Config) + use<> {
    let base = fake.url();
    move |c: &mut merx::Config| {
        c.stripe = Some(merx_stripe::StripeConfig {
            secret_key: SECRET_KEY.into(),
            publishable_key: PUBLISHABLE_KEY.into(),
            webhook_secret: WEBHOOK_SECRET.into(),
            api_base: Some(base),
        });
    }
}

async fn stripe_app(store: Store, fake: &FakeStripe) -> TestApp {
    spawn_app_with(store, with_stripe(fake)).await
}

fn card_session(cart: &str, mode: &str) -> Value {
    json!({"cart_id": cart, "email": "card@example.com", "shipping_address": sf(),
           "billing_address": "same", "shipping_method": "standard", "payment_method": "stripe",
           "mode": mode, "success_url": "https://shop.example/thanks",
           "cancel_url": "https://shop.example/cart"})
}

async fn deliver(app: &TestApp, body: &str, signature: &str) -> Response {
    app.request(Method::POST, "/api/v1/webhooks/stripe")
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("sent")
}

/// Sends a signed event and expects Stripe's 200 `{"received": true}`.
async fn event(app: &TestApp, id: &str, kind: &str, object: &Value) {
    let (body, sig) = FakeStripe::event(id, kind, object);
    let got = json_of(deliver(app, &body, &sig).await, 200).await;
    assert_eq!(got, json!({"received": true}));
}

/// A guest's call on its checkout session: read it (`action` empty), or `confirm`/`release`.
async fn on_session(app: &TestApp, guest: &str, checkout: &str, action: &str) -> Response {
    let path = format!("/api/v1/checkout/sessions/{checkout}");
    if action.is_empty() {
        return call(app, Method::GET, &path, None, Some(guest), None).await;
    }
    let path = format!("{path}/{action}");
    call(app, Method::POST, &path, None, Some(guest), None).await
}

async fn orders(app: &TestApp, admin: &str) -> Vec<Value> {
    let page = json_of(
        app.get("/api/v1/orders?page_size=100", Some(admin)).await,
        200,
    )
    .await;
    page["items"].as_array().expect("items").clone()
}

async fn order(app: &TestApp, admin: &str, id: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/orders/{id}"), Some(admin)).await,
        200,
    )
    .await
}

/// A guest's card session for one unit of a fresh product: (session body, product, variant).
async fn paid_setup(
    app: &TestApp,
    admin: &str,
    sku: &str,
    stock_units: i64,
    guest: &str,
) -> (Value, String, String) {
    let (pid, vid) = product(app, admin, sku, "USD", 2_000, stock_units).await;
    let cart = guest_cart(app, guest, &vid, 1).await;
    let session = json_of(open(app, guest, card_session(&cart, "redirect")).await, 201).await;
    (session, pid, vid)
}

async fn a_paid_session_becomes_one_order_whoever_comes_first(store: Store) {
    let fake = FakeStripe::start().await;
    let app = stripe_app(store, &fake).await;
    let admin = app.admin().await.access;
    let guest = "sess-card-001";
    let (session, pid, vid) = paid_setup(&app, &admin, "CARD-1", 5, guest).await;
    let payment = &session["payment"];
    assert_eq!(payment["provider"], "stripe");
    let cs = payment["provider_session_id"]
        .as_str()
        .expect("session id")
        .to_owned();
    assert!(payment["url"].as_str().unwrap().contains(&cs));
    let checkout = session["checkout_id"].as_str().unwrap().to_owned();
    let stripe_session = fake.session(&cs).expect("created at Stripe");
    assert_eq!(stripe_session["client_reference_id"], checkout.as_str());
    assert_eq!(
        stripe_session["metadata"]["merx_checkout_id"],
        checkout.as_str()
    );
    assert_eq!(
        stripe_session["amount_total"], session["amount"],
        "Stripe charges our total"
    );
    assert_eq!(stripe_session["ui_mode"], "hosted_page");

    error_body(
        on_session(&app, guest, &checkout, "confirm").await,
        409,
        "payment_required",
    )
    .await;

    let paid = fake.pay_session(&cs);
    let pi = paid["payment_intent"].as_str().unwrap().to_owned();
    // Delivered twice: one order.
    event(&app, "evt_done_1", "checkout.session.completed", &paid).await;
    event(&app, "evt_done_1", "checkout.session.completed", &paid).await;
    let got = json_of(on_session(&app, guest, &checkout, "").await, 200).await;
    assert_eq!(got["status"], "complete");
    assert_eq!(got["payment"]["captured"], true);
    let order_id = got["order_id"].as_str().expect("order id").to_owned();
    let o = order(&app, &admin, &order_id).await;
    assert_eq!(
        (o["status"].as_str(), o["payment_status"].as_str()),
        (Some("confirmed"), Some("paid"))
    );
    assert_eq!(o["payment_provider_ref"], pi.as_str());
    assert_eq!(o["flags"], json!([]));
    assert_eq!(stock(&app, &pid, &vid).await, (4, 0, 4), "taken once");

    // The buyer's return afterwards answers the same order.
    let again = json_of(on_session(&app, guest, &checkout, "confirm").await, 200).await;
    assert_eq!(again["order"]["id"], order_id.as_str());
    // Other events about it, in any order, change nothing: an expiry after the completion,
    // the PaymentIntent's own success, the completion under another event id.
    event(&app, "evt_late_expired", "checkout.session.expired", &paid).await;
    let intent = fake.intent(&pi).unwrap();
    event(&app, "evt_pi_ok", "payment_intent.succeeded", &intent).await;
    event(&app, "evt_done_2", "checkout.session.completed", &paid).await;
    assert_eq!(orders(&app, &admin).await.len(), 1);
    assert_eq!(stock(&app, &pid, &vid).await, (4, 0, 4));
    let o = order(&app, &admin, &order_id).await;
    assert_eq!(o["status"], "confirmed");
    // An event type Merx ignores is acknowledged too.
    event(
        &app,
        "evt_other",
        "customer.created",
        &json!({"id": "cus_1"}),
    )
    .await;
}

async fn the_buyers_return_confirms_when_the_webhook_is_late(store: Store) {
    let fake = FakeStripe::start().await;
    let app = stripe_app(store, &fake).await;
    let admin = app.admin().await.access;
    let guest = "sess-card-002";
    let cart = {
        let (_, vid) = product(&app, &admin, "CARD-2", "USD", 1_500, 3).await;
        guest_cart(&app, guest, &vid, 2).await
    };
    let session = json_of(
        open(&app, guest, card_session(&cart, "embedded")).await,
        201,
    )
    .await;
    let payment = &session["payment"];
    assert_eq!(payment["publishable_key"], PUBLISHABLE_KEY);
    assert!(
        payment["client_secret"]
            .as_str()
            .unwrap()
            .contains("_secret_")
    );
    assert!(payment.get("url").is_none());
    let cs = payment["provider_session_id"].as_str().unwrap().to_owned();
    assert_eq!(fake.session(&cs).unwrap()["ui_mode"], "embedded_page");
    let checkout = session["checkout_id"].as_str().unwrap();
    let paid = fake.pay_session(&cs);
    let confirmed = json_of(on_session(&app, guest, checkout, "confirm").await, 201).await;
    let o = &confirmed["order"];
    assert_eq!(
        (o["status"].as_str(), o["payment_status"].as_str()),
        (Some("confirmed"), Some("paid"))
    );
    assert_eq!(o["payment_provider_ref"], paid["payment_intent"]);
    assert!(
        confirmed["order_token"].is_string(),
        "the guest reads it with its token"
    );
    // The webhook comes after: nothing new.
    event(&app, "evt_ret_1", "checkout.session.completed", &paid).await;
    assert_eq!(orders(&app, &admin).await.len(), 1);
}

async fn webhook_signatures_are_checked_before_anything_changes(store: Store) {
    let fake = FakeStripe::start().await;
    let app = stripe_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (session, _, _) = paid_setup(&app, &admin, "CARD-3", 2, "sess-card-003").await;
    let paid = fake.pay_session(session["payment"]["provider_session_id"].as_str().unwrap());
    let (body, good) = FakeStripe::event("evt_sig", "checkout.session.completed", &paid);
    let now = chrono::Utc::now().timestamp();
    let stale = merx_stripe::signature_header(WEBHOOK_SECRET, now - 301, body.as_bytes());
    let foreign = merx_stripe::signature_header("whsec_someone_else", now, body.as_bytes());
    let altered = body.replace("\"amount_total\":", "\"amount_total\": ");
    for (what, body, sig) in [
        ("unsigned", body.as_str(), ""),
        ("stale", body.as_str(), stale.as_str()),
        ("another secret", body.as_str(), foreign.as_str()),
        ("altered body", altered.as_str(), good.as_str()),
        ("garbage", body.as_str(), "t=abc,v1=zz"),
    ] {
        let res = deliver(&app, body, sig).await;
        assert_eq!(res.status(), 400, "{what}");
        error_body(res, 400, "webhook_verification_failed").await;
    }
    assert!(orders(&app, &admin).await.is_empty(), "nothing changed");
    // While a secret is rolled Stripe signs with both: any v1 may match.
    let rolled = format!("{foreign},{}", good.split_once(',').unwrap().1);
    json_of(deliver(&app, &body, &rolled).await, 200).await;
    assert_eq!(orders(&app, &admin).await.len(), 1);
}

async fn money_that_disagrees_is_flagged_and_never_confirmed(store: Store) {
    let fake = FakeStripe::start().await;
    let app = stripe_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (session, pid, vid) = paid_setup(&app, &admin, "CARD-4", 3, "sess-card-004").await;
    let mut paid = fake.pay_session(session["payment"]["provider_session_id"].as_str().unwrap());
    paid["amount_total"] = json!(session["amount"].as_i64().unwrap() - 1);
    event(&app, "evt_short", "checkout.session.completed", &paid).await;
    let all = orders(&app, &admin).await;
    assert_eq!(all.len(), 1);
    let o = &all[0];
    assert_eq!(o["flags"], json!(["amount_mismatch"]));
    assert_eq!(
        (o["status"].as_str(), o["payment_status"].as_str()),
        (Some("pending"), Some("pending"))
    );
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (2, 0, 2),
        "the units wait for an admin"
    );
    // Another currency is a mismatch too (for a session now complete: nothing more).
    paid["amount_total"] = session["amount"].clone();
    paid["currency"] = json!("eur");
    event(&app, "evt_eur", "checkout.session.completed", &paid).await;
    assert_eq!(orders(&app, &admin).await.len(), 1);
}

async fn a_payment_after_the_reservation_expired_is_re_reserved_or_refunded(store: Store) {
    let fake = FakeStripe::start().await;
    let app = spawn_app_with(store, |c| {
        with_stripe(&fake)(c);
        c.reservation_ttl_secs = 1;
        c.sweep_interval_secs = 0;
    })
    .await;
    let admin = app.admin().await.access;
    // Stock left after the expiry: the late payment becomes its order.
    let (early, pid, vid) = paid_setup(&app, &admin, "LATE-1", 1, "sess-late-001").await;
    app.advance(2);
    assert_eq!(stock(&app, &pid, &vid).await, (1, 0, 1), "the hold expired");
    let paid = fake.pay_session(early["payment"]["provider_session_id"].as_str().unwrap());
    event(&app, "evt_late_ok", "checkout.session.completed", &paid).await;
    let all = orders(&app, &admin).await;
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0]["status"].as_str(), all[0]["payment_status"].as_str()),
        (Some("confirmed"), Some("paid"))
    );
    assert_eq!(stock(&app, &pid, &vid).await, (0, 0, 0));

    // No stock left: the money goes back in full.
    let (late, pid, vid) = paid_setup(&app, &admin, "LATE-2", 1, "sess-late-002").await;
    app.advance(2);
    let other = guest_cart(&app, "sess-late-003", &vid, 1).await;
    let mut cod = card_session(&other, "redirect");
    cod["payment_method"] = json!("cash_on_delivery");
    let winner = json_of(open(&app, "sess-late-003", cod).await, 201).await;
    let winner_id = winner["checkout_id"].as_str().unwrap();
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/checkout/sessions/{winner_id}/confirm"),
            None,
            Some("sess-late-003"),
            None,
        )
        .await,
        201,
    )
    .await;
    let paid = fake.pay_session(late["payment"]["provider_session_id"].as_str().unwrap());
    let pi = paid["payment_intent"].as_str().unwrap().to_owned();
    event(&app, "evt_late_refund", "checkout.session.completed", &paid).await;
    event(&app, "evt_late_refund", "checkout.session.completed", &paid).await;
    let refunded: Vec<Value> = orders(&app, &admin)
        .await
        .into_iter()
        .filter(|o| o["payment_provider_ref"] == pi.as_str())
        .collect();
    assert_eq!(refunded.len(), 1);
    let o = &refunded[0];
    assert_eq!(o["flags"], json!(["paid_after_expiry"]));
    assert_eq!(
        (o["status"].as_str(), o["payment_status"].as_str()),
        (Some("cancelled"), Some("refunded"))
    );
    assert_eq!(o["refunded_total"], o["total"]);
    assert_eq!(
        fake.intent(&pi).unwrap()["amount_refunded"],
        o["total"],
        "refunded at Stripe once"
    );
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (0, 0, 0),
        "the winner's unit stays sold"
    );
}

async fn refunds_stop_at_the_captured_amount_and_dashboard_refunds_count_once(store: Store) {
    let fake = FakeStripe::start().await;
    let app = stripe_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (session, _, _) = paid_setup(&app, &admin, "REF-1", 2, "sess-ref-001").await;
    let paid = fake.pay_session(session["payment"]["provider_session_id"].as_str().unwrap());
    let pi = paid["payment_intent"].as_str().unwrap().to_owned();
    event(&app, "evt_ref_paid", "checkout.session.completed", &paid).await;
    let o = orders(&app, &admin).await.remove(0);
    let id = o["id"].as_str().unwrap().to_owned();
    let total = o["total"].as_i64().unwrap();
    let refunds = format!("/api/v1/orders/{id}/refunds");
    let first = json_of(
        app.post(
            &refunds,
            &json!({"amount": 500, "reason": "scratched"}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(first["status"], "succeeded");
    assert!(first["provider_ref"].as_str().unwrap().starts_with("re_"));
    assert_eq!(fake.intent(&pi).unwrap()["amount_refunded"], 500);
    // Stripe reports our own refund: recorded once, not on top.
    let mut charge = json!({"id": "ch_1", "object": "charge", "payment_intent": pi,
        "amount": total, "amount_refunded": 500, "refunds": {"data": [{"id": first["provider_ref"]}]}});
    event(&app, "evt_ch_ours", "charge.refunded", &charge).await;
    assert_eq!(order(&app, &admin, &id).await["refunded_total"], 500);
    // A refund of 300 made in the dashboard: recorded once, however often reported.
    charge["amount_refunded"] = json!(800);
    event(&app, "evt_ch_dash", "charge.refunded", &charge).await;
    event(&app, "evt_ch_dash", "charge.refunded", &charge).await;
    event(&app, "evt_ch_dash_again", "charge.refunded", &charge).await;
    let o = order(&app, &admin, &id).await;
    assert_eq!(o["refunded_total"], 800);
    assert_eq!(o["payment_status"], "partially_refunded");
    let listed = json_of(app.get(&refunds, Some(&admin)).await, 200).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    // Past what is left: 409, and nothing moves at Stripe.
    let over = error_body(
        app.post(&refunds, &json!({"amount": total - 799}), Some(&admin))
            .await,
        409,
        "refund_exceeds_captured",
    )
    .await;
    assert_eq!(over["details"]["refundable"], total - 800);
    json_of(app.post(&refunds, &json!({}), Some(&admin)).await, 201).await;
    assert_eq!(order(&app, &admin, &id).await["payment_status"], "refunded");
    // Spec §15: after a full refund, asking again exceeds what was captured.
    let after = error_body(
        app.post(&refunds, &json!({}), Some(&admin)).await,
        409,
        "refund_exceeds_captured",
    )
    .await;
    assert_eq!(after["details"]["refundable"], 0);
    // A dispute flags the order.
    let dispute = json!({"id": "dp_1", "object": "dispute", "payment_intent": pi, "amount": total});
    event(&app, "evt_dp", "charge.dispute.created", &dispute).await;
    event(&app, "evt_dp", "charge.dispute.created", &dispute).await;
    assert_eq!(order(&app, &admin, &id).await["flags"], json!(["disputed"]));
}

async fn an_order_placed_first_is_paid_with_a_payment_intent(store: Store) {
    let fake = FakeStripe::start().await;
    let app = stripe_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "PI-1", "USD", 3_000, 4).await;
    let guest = "sess-pi-001";
    let cart = guest_cart(&app, guest, &vid, 1).await;
    let placed = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/orders",
            Some(
                json!({"cart_id": cart, "email": "pi@example.com", "shipping_address": sf(),
                        "billing_address": "same", "shipping_method": "standard",
                        "payment_method": "stripe"}),
            ),
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
    let total = order(&app, &admin, &id).await["total"].as_i64().unwrap();
    // The custom flow's amount is always ours.
    error_body(
        app.post(
            "/api/v1/checkout/payment-intent",
            &json!({"order_id": id, "amount": total + 1}),
            Some(&admin),
        )
        .await,
        422,
        "amount_mismatch",
    )
    .await;
    let intent = json_of(
        app.post(
            "/api/v1/checkout/payment-intent",
            &json!({"order_id": id, "amount": total, "currency": "USD"}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        (intent["amount"].as_i64(), intent["currency"].as_str()),
        (Some(total), Some("USD"))
    );
    let paid = json_of(
        app.post(
            &format!("/api/v1/orders/{id}/payment"),
            &json!({"payment_method": "stripe"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    let pi = paid["payment_intent"]["id"]
        .as_str()
        .expect("a PaymentIntent")
        .to_owned();
    assert_eq!(
        pi,
        intent["payment_intent_id"].as_str().unwrap(),
        "one intent per order"
    );
    assert!(
        paid["payment_intent"]["client_secret"]
            .as_str()
            .unwrap()
            .contains("_secret_")
    );
    let sent = fake.intent(&pi).unwrap();
    assert_eq!(sent["metadata"]["merx_order_id"], id.as_str());
    assert_eq!(sent["amount"], total);

    // A failed attempt keeps the order and its stock for another try.
    event(&app, "evt_pi_fail", "payment_intent.payment_failed", &sent).await;
    let o = order(&app, &admin, &id).await;
    assert_eq!(
        (o["status"].as_str(), o["payment_status"].as_str()),
        (Some("pending"), Some("failed"))
    );
    assert_eq!(stock(&app, &pid, &vid).await, (4, 1, 3));
    let succeeded = fake.pay_intent(&pi);
    event(&app, "evt_pi_ok", "payment_intent.succeeded", &succeeded).await;
    // A failure reported after the success changes nothing.
    event(
        &app,
        "evt_pi_fail_late",
        "payment_intent.payment_failed",
        &sent,
    )
    .await;
    event(&app, "evt_pi_ok", "payment_intent.succeeded", &succeeded).await;
    let o = order(&app, &admin, &id).await;
    assert_eq!(
        (o["status"].as_str(), o["payment_status"].as_str()),
        (Some("confirmed"), Some("paid"))
    );
    assert_eq!(o["payment_provider_ref"], pi.as_str());
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3), "taken once");
    // Cancelling the paid order refunds it in full at Stripe.
    json_of(
        app.request(Method::DELETE, &format!("/api/v1/orders/{id}"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(fake.intent(&pi).unwrap()["amount_refunded"], total);
}

async fn stripe_unavailable_or_down_changes_nothing(store: Store) {
    let fake = FakeStripe::start().await;
    let app = stripe_app(store, &fake).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "DOWN-1", "USD", 1_000, 2).await;
    let guest = "sess-down-001";
    let cart = guest_cart(&app, guest, &vid, 1).await;
    // Stripe saves a 5xx under its Idempotency-Key: the retries replay it.
    fake.fail_next(503, 1);
    let down = error_body(
        open(&app, guest, card_session(&cart, "redirect")).await,
        502,
        "payment_provider_error",
    )
    .await;
    assert!(down["request_id"].is_string() || down["error"].is_string());
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (2, 0, 2),
        "the hold went back"
    );
    // Rate limited once: retried with the same key, one session at Stripe.
    fake.fail_next(429, 1);
    let session = json_of(
        open(&app, guest, card_session(&cart, "redirect")).await,
        201,
    )
    .await;
    let creates: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/checkout/sessions" && r.method == "POST")
        .collect();
    let last = &creates[creates.len() - 1];
    assert_eq!(
        creates[creates.len() - 2].idempotency_key,
        last.idempotency_key
    );
    assert!(session["payment"]["url"].is_string());
    // Releasing the session ends Stripe's too, before the stock goes back.
    let cs = session["payment"]["provider_session_id"].as_str().unwrap();
    let checkout = session["checkout_id"].as_str().unwrap();
    json_of(on_session(&app, guest, checkout, "release").await, 200).await;
    assert_eq!(fake.session(cs).unwrap()["status"], "expired");
    assert_eq!(stock(&app, &pid, &vid).await, (2, 0, 2));

    // Without Stripe configured the method is unavailable.
    let plain = spawn_app_with(Store::Memory, |_| {}).await;
    let admin = plain.admin().await.access;
    let (_, vid) = product(&plain, &admin, "DOWN-2", "USD", 1_000, 2).await;
    let cart = guest_cart(&plain, guest, &vid, 1).await;
    error_body(
        open(&plain, guest, card_session(&cart, "redirect")).await,
        422,
        "payment_method_unavailable",
    )
    .await;
    let (body, sig) = FakeStripe::event("evt_x", "customer.created", &json!({}));
    error_body(
        deliver(&plain, &body, &sig).await,
        422,
        "payment_method_unavailable",
    )
    .await;
}

/// The buyer's return and the webhook race on two instances over one database, for many
/// sessions at once: exactly one order each, and the stock taken once.
#[tokio::test(flavor = "multi_thread")]
async fn the_return_and_the_webhook_race_over_two_instances() {
    let fake = FakeStripe::start().await;
    let first = spawn_app_with(Store::Postgres, |c| {
        with_stripe(&fake)(c);
        c.database_pool_size = 20;
    })
    .await;
    let second = Arc::new(start(first.config.clone(), first.db.clone()).await);
    let first = Arc::new(first);
    let admin = first.admin().await.access;
    let (pid, vid) = product(&first, &admin, "RACE-1", "USD", 1_000, 40).await;
    let mut paid = Vec::new();
    for i in 0..20 {
        let guest = format!("sess-race-{i:03}");
        let cart = guest_cart(&first, &guest, &vid, 1).await;
        let session = json_of(
            open(&first, &guest, card_session(&cart, "redirect")).await,
            201,
        )
        .await;
        let stripe = fake.pay_session(session["payment"]["provider_session_id"].as_str().unwrap());
        paid.push((
            guest,
            session["checkout_id"].as_str().unwrap().to_owned(),
            stripe,
        ));
    }
    let mut tasks = Vec::new();
    for (i, (guest, checkout, stripe)) in paid.iter().cloned().enumerate() {
        for round in 0..2 {
            let (a, b) = if (i + round) % 2 == 0 {
                (first.clone(), second.clone())
            } else {
                (second.clone(), first.clone())
            };
            let (guest, checkout, stripe) = (guest.clone(), checkout.clone(), stripe.clone());
            tasks.push(tokio::spawn(async move {
                let res = on_session(&a, &guest, &checkout, "confirm").await;
                assert!(
                    matches!(res.status().as_u16(), 200 | 201),
                    "confirm {}",
                    res.status()
                );
            }));
            tasks.push(tokio::spawn(async move {
                let (body, sig) = FakeStripe::event(
                    &format!("evt_race_{i}"),
                    "checkout.session.completed",
                    &stripe,
                );
                assert_eq!(deliver(&b, &body, &sig).await.status(), 200);
            }));
        }
    }
    for t in tasks {
        t.await.expect("task");
    }
    let all = orders(&first, &admin).await;
    assert_eq!(all.len(), 20, "one order per session");
    assert!(all.iter().all(|o| o["payment_status"] == "paid"));
    assert_eq!(stock(&second, &pid, &vid).await, (20, 0, 20));
}

async fn a_session_paid_with_a_payment_intent_completes_once(store: Store) {
    let fake = FakeStripe::start().await;
    let app = stripe_app(store, &fake).await;
    let admin = app.admin().await.access;
    let guest = "sess-pi-session";
    let (session, pid, vid) = paid_setup(&app, &admin, "PIS-1", 3, guest).await;
    let checkout = session["checkout_id"].as_str().unwrap();
    let body = json!({"checkout_id": checkout, "currency": "EUR"});
    let res = call(
        &app,
        Method::POST,
        "/api/v1/checkout/payment-intent",
        Some(body),
        Some(guest),
        None,
    )
    .await;
    error_body(res, 422, "amount_mismatch").await;
    let body = json!({"checkout_id": checkout, "amount": session["amount"]});
    let res = call(
        &app,
        Method::POST,
        "/api/v1/checkout/payment-intent",
        Some(body),
        Some(guest),
        None,
    )
    .await;
    let intent = json_of(res, 201).await;
    assert_eq!(intent["publishable_key"], PUBLISHABLE_KEY);
    let pi = intent["payment_intent_id"].as_str().unwrap();
    assert_eq!(
        fake.intent(pi).unwrap()["metadata"]["merx_checkout_id"],
        checkout
    );
    let paid = fake.pay_intent(pi);
    event(&app, "evt_pis_1", "payment_intent.succeeded", &paid).await;
    event(&app, "evt_pis_1", "payment_intent.succeeded", &paid).await;
    let all = orders(&app, &admin).await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["payment_provider_ref"], pi);
    assert_eq!(all[0]["payment_status"], "paid");
    assert_eq!(stock(&app, &pid, &vid).await, (2, 0, 2));
}

async fn the_sweeper_ends_stripes_session_before_the_stock_goes_back(store: Store) {
    let fake = FakeStripe::start().await;
    let app = spawn_app_with(store, |c| {
        with_stripe(&fake)(c);
        c.reservation_ttl_secs = 1;
        c.sweep_interval_secs = 1;
    })
    .await;
    let admin = app.admin().await.access;
    let (session, pid, vid) = paid_setup(&app, &admin, "SWEEP-1", 2, "sess-sweep").await;
    let cs = session["payment"]["provider_session_id"].as_str().unwrap();
    // Stripe's own session lasts 30 minutes at least: Merx ends it itself.
    let expires = fake.session(cs).unwrap()["expires_at"].as_i64().unwrap();
    assert!(expires >= chrono::Utc::now().timestamp() + 1_700);
    let mut expired = false;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if fake.session(cs).unwrap()["status"] == "expired" {
            expired = true;
            break;
        }
    }
    assert!(expired, "the sweeper expired the Stripe session");
    assert_eq!(stock(&app, &pid, &vid).await, (2, 0, 2));
}
