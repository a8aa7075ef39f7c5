//! Spec §6 over HTTP: checkout sessions, confirming them into orders, the orders-first flow,
//! order reading, editing and cancelling, expiry, Idempotency-Key, and no overselling under
//! concurrency with two instances on one database.

use std::sync::Arc;

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::{call, product};
use crate::helpers::{
    Store, TestApp, error_body, json_of, spawn_app, spawn_app_with, start_beside,
};

both_stores!(
    a_guest_checks_out_with_cash_on_delivery,
    checkout_errors_follow_the_spec,
    a_session_past_its_time_is_gone_and_its_stock_is_back,
    orders_placed_first_are_paid_edited_and_cancelled,
    unpaid_orders_are_cancelled_when_their_time_runs_out,
    idempotency_keys_replay_the_first_answer,
    a_discount_use_is_counted_once_per_order,
    an_admin_confirms_a_pending_cash_on_delivery_order_by_edit,
    refunds_never_exceed_what_was_captured,
);

/// Spec §12: refunds of a paid order, partial ones up to what was captured, 409 past it,
/// listed oldest first; a paid order cancelled by its owner is refunded in full.
async fn refunds_never_exceed_what_was_captured(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "REFUND-ME", "USD", 2_000, 5).await;
    let paid_order = |quantity: i64| {
        let app = &app;
        let (admin, vid) = (admin.clone(), vid.clone());
        async move {
            let body = json!({"items": [{"variant_id": vid, "quantity": quantity}],
                "email": "refunds@example.com", "shipping_address": sf(),
                "shipping_method": "standard", "payment_method": "cash_on_delivery"});
            let placed = json_of(app.post("/api/v1/orders", &body, None).await, 201).await;
            let path = format!("/api/v1/orders/{}", placed["id"].as_str().expect("id"));
            let paid = json_of(
                app.send(
                    Method::PATCH,
                    &path,
                    &json!({"status": "confirmed", "payment_status": "paid"}),
                    Some(&admin),
                )
                .await,
                200,
            )
            .await;
            (
                paid,
                placed["order_token"].as_str().expect("token").to_owned(),
            )
        }
    };
    let (order, _) = paid_order(2).await;
    let total = order["total"].as_i64().expect("total");
    let id = order["id"].as_str().expect("id").to_owned();
    let refunds = format!("/api/v1/orders/{id}/refunds");
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3));

    let customer = app.customer("not-an-admin@example.com").await;
    error_body(
        app.post(&refunds, &json!({"amount": 100}), Some(&customer.access))
            .await,
        403,
        "forbidden",
    )
    .await;
    let first = json_of(
        app.post(
            &refunds,
            &json!({"amount": 1_000, "reason": "scratched"}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        (
            first["amount"].as_i64(),
            first["status"].as_str(),
            first["currency"].as_str()
        ),
        (Some(1_000), Some("succeeded"), Some("USD"))
    );
    assert_eq!(first["reason"], "scratched");
    assert_eq!(first["restocked"], false);
    let after = json_of(
        app.get(&format!("/api/v1/orders/{id}"), Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(after["refunded_total"], 1_000);
    assert_eq!(after["payment_status"], "partially_refunded");

    let over = error_body(
        app.post(&refunds, &json!({"amount": total}), Some(&admin))
            .await,
        409,
        "refund_exceeds_captured",
    )
    .await;
    assert_eq!(over["details"]["refundable"], total - 1_000);
    error_body(
        app.post(&refunds, &json!({"amount": 0}), Some(&admin))
            .await,
        422,
        "validation_error",
    )
    .await;
    let rest = json_of(
        app.post(&refunds, &json!({"restock": true}), Some(&admin))
            .await,
        201,
    )
    .await;
    assert_eq!(rest["amount"], total - 1_000, "the rest by default");
    assert_eq!(rest["restocked"], true);
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (5, 0, 5),
        "units back on the shelf"
    );
    // Spec §15: after a full refund, asking again exceeds what was captured.
    let after = error_body(
        app.post(&refunds, &json!({}), Some(&admin)).await,
        409,
        "refund_exceeds_captured",
    )
    .await;
    assert_eq!(after["details"]["refundable"], 0);
    let listed = json_of(app.get(&refunds, Some(&admin)).await, 200).await;
    let amounts: Vec<i64> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["amount"].as_i64())
        .collect();
    assert_eq!(amounts, [1_000, total - 1_000]);
    let done = json_of(
        app.get(&format!("/api/v1/orders/{id}"), Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(done["payment_status"], "refunded");
    assert_eq!(done["refunded_total"], total);

    // The owner cancels a paid order: refunded in full, stock back.
    let (second, token) = paid_order(1).await;
    assert_eq!(stock(&app, &pid, &vid).await, (4, 0, 4));
    let second_id = second["id"].as_str().expect("id");
    let cancelled = json_of(
        app.send(
            Method::DELETE,
            &format!("/api/v1/orders/{second_id}?token={token}"),
            &json!({}),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["payment_status"], "refunded");
    assert_eq!(cancelled["refunded_total"], second["total"]);
    assert_eq!(stock(&app, &pid, &vid).await, (5, 0, 5));

    // An order paid on delivery that has not been paid yet has nothing to refund.
    let body = json!({"items": [{"variant_id": vid, "quantity": 1}], "email": "cod@example.com",
        "shipping_address": sf(), "shipping_method": "standard",
        "payment_method": "cash_on_delivery"});
    let unpaid = json_of(app.post("/api/v1/orders", &body, None).await, 201).await;
    error_body(
        app.post(
            &format!(
                "/api/v1/orders/{}/refunds",
                unpaid["id"].as_str().expect("id")
            ),
            &json!({}),
            Some(&admin),
        )
        .await,
        409,
        "nothing_to_refund",
    )
    .await;
}

/// Spec §15: an admin may move a pending cash-on-delivery order to `confirmed` (its held stock
/// is taken then); `payment_status: "paid"` records a payment received by hand.
async fn an_admin_confirms_a_pending_cash_on_delivery_order_by_edit(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "COD-EDIT", "USD", 1_500, 5).await;
    let place = |quantity: i64| {
        let body = json!({"items": [{"variant_id": vid, "quantity": quantity}],
            "email": "phone-order@example.com", "shipping_address": sf(),
            "shipping_method": "standard", "payment_method": "cash_on_delivery"});
        let app = &app;
        async move { json_of(app.post("/api/v1/orders", &body, None).await, 201).await }
    };
    let first = place(2).await;
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (5, 2, 3),
        "held while pending"
    );
    let path = format!("/api/v1/orders/{}", first["id"].as_str().expect("id"));
    let confirmed = json_of(
        app.send(
            Method::PATCH,
            &path,
            &json!({"status": "confirmed", "admin_note": "phoned in"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(confirmed["payment_status"], "pending", "paid on delivery");
    assert!(confirmed["payment_due_at"].is_null());
    assert!(confirmed["confirmed_at"].is_string());
    assert_eq!(confirmed["admin_note"], "phoned in");
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (3, 0, 3),
        "taken on confirmation"
    );
    let paid = json_of(
        app.send(
            Method::PATCH,
            &path,
            &json!({"payment_status": "paid"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(paid["payment_status"], "paid");
    assert!(paid["paid_at"].is_string());
    assert_eq!(paid["refunded_total"], 0);
    assert_eq!(paid["flags"], json!([]), "every order body has flags");
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3));

    // Confirmed and paid in one edit.
    let second = place(1).await;
    let second_path = format!("/api/v1/orders/{}", second["id"].as_str().expect("id"));
    let both = json_of(
        app.send(
            Method::PATCH,
            &second_path,
            &json!({"status": "confirmed", "payment_status": "paid"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (both["status"].as_str(), both["payment_status"].as_str()),
        (Some("confirmed"), Some("paid"))
    );
    assert_eq!(stock(&app, &pid, &vid).await, (2, 0, 2));
    error_body(
        app.send(
            Method::PATCH,
            &second_path,
            &json!({"payment_status": "refunded"}),
            Some(&admin),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
}

pub fn sf() -> Value {
    json!({"name": "Ada", "line1": "1 Market St", "city": "San Francisco", "state": "CA",
           "postal_code": "94105", "country": "US"})
}

/// A guest cart of `session` holding `quantity` of `variant`; its id.
pub async fn guest_cart(app: &TestApp, session: &str, variant: &str, quantity: i64) -> String {
    let cart = json_of(
        call(
            app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": variant, "quantity": quantity})),
            Some(session),
            None,
        )
        .await,
        201,
    )
    .await;
    cart["id"].as_str().expect("cart id").to_owned()
}

pub fn session_body(cart: &str) -> Value {
    json!({"cart_id": cart, "email": "Buyer@Example.com", "shipping_address": sf(),
           "billing_address": "same", "shipping_method": "standard",
           "payment_method": "cash_on_delivery", "metadata": {"source": "3d"}})
}

pub async fn open(app: &TestApp, session: &str, body: Value) -> Response {
    call(
        app,
        Method::POST,
        "/api/v1/checkout/sessions",
        Some(body),
        Some(session),
        None,
    )
    .await
}

/// A guest of `session` buys `quantity` of `variant` with cash on delivery (cart, session,
/// confirm); the confirmed order.
pub async fn cash_order(app: &TestApp, session: &str, variant: &str, quantity: i64) -> Value {
    let cart = guest_cart(app, session, variant, quantity).await;
    check_out(app, session, &cart).await["order"].clone()
}

/// Opens a checkout for a guest's cart and confirms it with cash on delivery: the confirm
/// body (`order`, `order_token`).
pub async fn check_out(app: &TestApp, session: &str, cart: &str) -> Value {
    let opened = json_of(open(app, session, session_body(cart)).await, 201).await;
    let id = opened["checkout_id"].as_str().expect("checkout id");
    json_of(
        call(
            app,
            Method::POST,
            &format!("/api/v1/checkout/sessions/{id}/confirm"),
            None,
            Some(session),
            None,
        )
        .await,
        201,
    )
    .await
}

/// (inventory_count, reserved, available) of a variant.
pub async fn stock(app: &TestApp, pid: &str, vid: &str) -> (i64, i64, i64) {
    let body = json_of(
        app.get(&format!("/api/v1/inventory/{pid}/variants/{vid}"), None)
            .await,
        200,
    )
    .await;
    (
        body["inventory_count"].as_i64().expect("count"),
        body["reserved"].as_i64().expect("reserved"),
        body["available"].as_i64().expect("available"),
    )
}

async fn a_guest_checks_out_with_cash_on_delivery(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "TEE-CO", "USD", 2_500, 10).await;
    let s = "sess-checkout-001";
    let cart = guest_cart(&app, s, &vid, 2).await;

    let session = json_of(open(&app, s, session_body(&cart)).await, 201).await;
    assert_eq!(session["status"], "open");
    assert_eq!(session["currency"], "USD");
    assert_eq!(session["email"], "buyer@example.com");
    assert_eq!(session["items"][0]["unit_price"], 2_500);
    assert_eq!(session["items"][0]["quantity"], 2);
    let b = &session["breakdown"];
    assert_eq!(b["subtotal"], 5_000);
    let grand = b["subtotal"].as_i64().unwrap() - b["discount_total"].as_i64().unwrap()
        + b["tax_total"].as_i64().unwrap()
        + b["shipping_total"].as_i64().unwrap();
    assert_eq!(b["grand_total"], grand);
    assert_eq!(session["amount"], grand);
    assert!(
        b["tax_total"].as_i64().unwrap() > 0,
        "California taxes: {b}"
    );
    assert_eq!(session["billing_address"], session["shipping_address"]);
    assert_eq!(session["payment"]["provider"], "cash_on_delivery");
    assert!(
        session["payment"]["instructions"].is_string(),
        "client data beside provider"
    );
    assert_eq!(session["addresses"]["billing"], session["shipping_address"]);
    assert_eq!(
        session["payment_provider_hints"]["available_methods"],
        json!(["cash_on_delivery"])
    );
    let remaining = session["time_remaining"].as_i64().unwrap();
    assert!((890..=900).contains(&remaining), "15 minutes: {remaining}");
    assert_eq!(stock(&app, &pid, &vid).await, (10, 2, 8), "held, not taken");

    let id = session["checkout_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/checkout/sessions/{id}");
    let got = json_of(
        call(&app, Method::GET, &path, None, Some(s), None).await,
        200,
    )
    .await;
    assert_eq!(got["amount"], grand);
    // Another guest does not see it.
    error_body(
        call(
            &app,
            Method::GET,
            &path,
            None,
            Some("sess-someone-else"),
            None,
        )
        .await,
        404,
        "checkout_not_found",
    )
    .await;

    let confirmed = json_of(
        call(
            &app,
            Method::POST,
            &format!("{path}/confirm"),
            None,
            Some(s),
            None,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(confirmed["status"], "complete");
    let order = &confirmed["order"];
    assert_eq!(confirmed["order_id"], order["id"]);
    assert_eq!(order["status"], "confirmed");
    assert_eq!(order["flags"], json!([]));
    assert_eq!(order["refunded_total"], 0);
    assert_eq!(order["payment_status"], "pending");
    assert_eq!(order["payment_method"], "cash_on_delivery");
    assert_eq!(order["shipping_method"], "standard");
    assert_eq!(order["total"], grand, "the order costs exactly the quote");
    assert_eq!(order["tax_total"], b["tax_total"]);
    assert_eq!(order["items"][0]["sku"], "TEE-CO");
    assert!(
        order["order_number"]
            .as_str()
            .unwrap()
            .starts_with("MRX-20")
    );
    let token = confirmed["order_token"]
        .as_str()
        .expect("guest token")
        .to_owned();
    assert_eq!(stock(&app, &pid, &vid).await, (8, 0, 8), "taken from stock");
    let cart_now = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/carts/{cart}"),
            None,
            Some(s),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cart_now["items"], json!([]), "the cart is emptied");

    // Confirming again answers the same order; there is never a second one.
    let again = json_of(
        call(
            &app,
            Method::POST,
            &format!("{path}/confirm"),
            None,
            Some(s),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(again["order_id"], confirmed["order_id"]);
    assert!(again.get("order_token").is_none());
    assert_eq!(stock(&app, &pid, &vid).await, (8, 0, 8));

    // The guest reads the order with its token; nobody else can.
    let order_id = order["id"].as_str().unwrap();
    let by_token = json_of(
        app.get(&format!("/api/v1/orders/{order_id}?token={token}"), None)
            .await,
        200,
    )
    .await;
    assert_eq!(by_token["order_number"], order["order_number"]);
    error_body(
        app.get(&format!("/api/v1/orders/{order_id}"), None).await,
        404,
        "order_not_found",
    )
    .await;
    error_body(
        app.get(&format!("/api/v1/orders/{order_id}?token=wrong"), None)
            .await,
        404,
        "order_not_found",
    )
    .await;

    // Editing the product later leaves the order's snapshot alone.
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{pid}"),
            &json!({"name": "Renamed tee"}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{pid}/variants/{vid}"),
            &json!({"price": 9_999}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let later = json_of(
        app.get(&format!("/api/v1/orders/{order_id}"), Some(&admin))
            .await,
        200,
    )
    .await;
    assert_eq!(later["items"][0]["name"], "Product TEE-CO");
    assert_eq!(later["items"][0]["unit_price"], 2_500);
    assert_eq!(later["total"], grand);
}

async fn checkout_errors_follow_the_spec(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "MUG-CO", "USD", 1_200, 3).await;
    let s = "sess-checkout-err";

    // Empty cart, unknown cart.
    let empty = json_of(
        call(&app, Method::POST, "/api/v1/carts", None, Some(s), None).await,
        201,
    )
    .await;
    let empty_id = empty["id"].as_str().unwrap();
    error_body(
        open(&app, s, session_body(empty_id)).await,
        400,
        "empty_cart",
    )
    .await;
    error_body(
        open(&app, s, session_body(&uuid::Uuid::new_v4().to_string())).await,
        404,
        "cart_not_found",
    )
    .await;

    let cart = guest_cart(&app, s, &vid, 2).await;
    let (bowl_pid, bowl) = product(&app, &admin, "BOWL-CO", "USD", 800, 5).await;
    let other = "sess-checkout-oth";
    let other_cart = guest_cart(&app, other, &vid, 3).await;
    guest_cart(&app, other, &bowl, 1).await;
    // Bad input: 4xx with the spec's codes, never a 500.
    let mut no_email = session_body(&cart);
    no_email.as_object_mut().unwrap().remove("email");
    let body = error_body(open(&app, s, no_email).await, 422, "validation_error").await;
    assert_eq!(body["details"]["fields"][0]["field"], "email");
    let mut bad_zip = session_body(&cart);
    bad_zip["shipping_address"]["postal_code"] = json!("9410");
    error_body(open(&app, s, bad_zip).await, 422, "invalid_postal_code").await;
    let mut stripe = session_body(&cart);
    stripe["payment_method"] = json!("stripe");
    error_body(
        open(&app, s, stripe).await,
        422,
        "payment_method_unavailable",
    )
    .await;
    let mut no_method = session_body(&cart);
    no_method["shipping_method"] = json!("teleport");
    error_body(open(&app, s, no_method).await, 422, "shipping_unavailable").await;
    let mut no_address = session_body(&cart);
    no_address
        .as_object_mut()
        .unwrap()
        .remove("shipping_address");
    error_body(open(&app, s, no_address).await, 422, "validation_error").await;
    let res = app
        .request(Method::POST, "/api/v1/checkout/sessions")
        .header("X-Session-ID", s)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("sent");
    error_body(res, 400, "bad_request").await;
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (3, 0, 3),
        "nothing held by failures"
    );

    // A new session for the cart cancels the previous one.
    let first = json_of(open(&app, s, session_body(&cart)).await, 201).await;
    let second = json_of(open(&app, s, session_body(&cart)).await, 201).await;
    assert_eq!(stock(&app, &pid, &vid).await, (3, 2, 1), "held once");
    let first_path = format!(
        "/api/v1/checkout/sessions/{}",
        first["checkout_id"].as_str().unwrap()
    );
    let old = json_of(
        call(&app, Method::GET, &first_path, None, Some(s), None).await,
        200,
    )
    .await;
    assert_eq!(old["status"], "cancelled");
    error_body(
        call(
            &app,
            Method::POST,
            &format!("{first_path}/confirm"),
            None,
            Some(s),
            None,
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;

    // All or nothing: a buyer whose cart was filled before the holds gets nothing held,
    // not even the line that fits, and learns every short line.
    let short = error_body(
        open(&app, other, session_body(&other_cart)).await,
        409,
        "insufficient_inventory",
    )
    .await;
    assert_eq!(short["details"]["lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(short["details"]["lines"][0]["sku"], "MUG-CO");
    assert_eq!(short["details"]["lines"][0]["available_quantity"], 1);
    assert_eq!(short["details"]["lines"][0]["requested_quantity"], 3);
    assert_eq!(stock(&app, &pid, &vid).await, (3, 2, 1));
    assert_eq!(stock(&app, &bowl_pid, &bowl).await, (5, 0, 5));

    // Bad text in notes is a 422, never a 500.
    let res = call(
        &app,
        Method::POST,
        "/api/v1/orders",
        Some(
            json!({"cart_id": cart, "shipping_address": sf(), "shipping_method": "standard",
                    "payment_method": "cash_on_delivery", "email": "a@b.example",
                    "notes": "nul\u{0}here"}),
        ),
        Some(s),
        None,
    )
    .await;
    let bad = error_body(res, 422, "validation_error").await;
    assert_eq!(bad["details"]["fields"][0]["field"], "notes");
    let res = call(
        &app,
        Method::POST,
        "/api/v1/orders",
        Some(
            json!({"cart_id": cart, "shipping_address": sf(), "shipping_method": "standard",
                    "payment_method": "cash_on_delivery", "email": "a@b.example",
                    "notes": "nul\u{0}here", "tax_id": "x".repeat(80)}),
        ),
        Some(s),
        None,
    )
    .await;
    let bad = error_body(res, 422, "validation_error").await;
    assert_eq!(bad["details"]["fields"][0]["field"], "tax_id");

    // Release frees the stock; a released session cannot be confirmed.
    let second_path = format!(
        "/api/v1/checkout/sessions/{}",
        second["checkout_id"].as_str().unwrap()
    );
    let released = json_of(
        call(
            &app,
            Method::POST,
            &format!("{second_path}/release"),
            None,
            Some(s),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(released["status"], "cancelled");
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3));
    error_body(
        call(
            &app,
            Method::POST,
            &format!("{second_path}/confirm"),
            None,
            Some(s),
            None,
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;
    error_body(
        call(
            &app,
            Method::GET,
            "/api/v1/checkout/sessions/not-a-uuid",
            None,
            Some(s),
            None,
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    error_body(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/checkout/sessions/{}", uuid::Uuid::new_v4()),
            None,
            Some(s),
            None,
        )
        .await,
        404,
        "checkout_not_found",
    )
    .await;
}

async fn a_session_past_its_time_is_gone_and_its_stock_is_back(store: Store) {
    let app = spawn_app_with(store, |c| {
        c.reservation_ttl_secs = 1;
        c.sweep_interval_secs = 0;
    })
    .await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "CAP-CO", "USD", 900, 2).await;
    let s = "sess-checkout-exp";
    let cart = guest_cart(&app, s, &vid, 2).await;
    let session = json_of(open(&app, s, session_body(&cart)).await, 201).await;
    assert_eq!(stock(&app, &pid, &vid).await, (2, 2, 0));
    app.advance(2);
    // Expired holds stop counting at once, before any sweep.
    assert_eq!(stock(&app, &pid, &vid).await, (2, 0, 2));
    let path = format!(
        "/api/v1/checkout/sessions/{}",
        session["checkout_id"].as_str().unwrap()
    );
    error_body(
        call(&app, Method::GET, &path, None, Some(s), None).await,
        410,
        "checkout_expired",
    )
    .await;
    error_body(
        call(
            &app,
            Method::POST,
            &format!("{path}/confirm"),
            None,
            Some(s),
            None,
        )
        .await,
        410,
        "checkout_expired",
    )
    .await;
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (2, 0, 2),
        "nothing was taken"
    );
}

async fn orders_placed_first_are_paid_edited_and_cancelled(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "BAG-CO", "USD", 4_000, 5).await;
    let customer = app.customer("orders-first@example.com").await;
    let token = customer.access.as_str();
    let res = call(
        &app,
        Method::POST,
        "/api/v1/cart/items",
        Some(json!({"variant_id": vid, "quantity": 2})),
        None,
        Some(token),
    )
    .await;
    let cart = json_of(res, 201).await;
    let order_req = json!({"cart_id": cart["id"], "shipping_address": sf(),
        "shipping_method": "standard", "payment_method": "cash_on_delivery",
        "notes": "Leave at the door"});
    let placed = json_of(
        app.post("/api/v1/orders", &order_req, Some(token)).await,
        201,
    )
    .await;
    assert_eq!(placed["status"], "pending");
    assert_eq!(placed["payment_status"], "pending");
    assert_eq!(placed["email"], "orders-first@example.com");
    assert_eq!(placed["notes"], "Leave at the door");
    assert!(
        placed["order_token"].is_null(),
        "customers read with their token"
    );
    assert!(placed["payment_due_at"].is_string());
    assert_eq!(stock(&app, &pid, &vid).await, (5, 2, 3), "held until paid");
    let id = placed["id"].as_str().unwrap().to_owned();

    // Loose items work too, for a guest, who gets a token.
    let loose = json_of(
        app.post(
            "/api/v1/orders",
            &json!({"items": [{"variant_id": vid, "quantity": 1}], "email": "guest@example.com",
                    "shipping_address": sf(), "billing_address": sf(),
                    "shipping_method": "express", "payment_method": "cash_on_delivery"}),
            None,
        )
        .await,
        201,
    )
    .await;
    assert!(loose["order_token"].as_str().unwrap().starts_with("ord_"));
    assert_eq!(stock(&app, &pid, &vid).await, (5, 3, 2));

    let paid = json_of(
        app.post(
            &format!("/api/v1/orders/{id}/payment"),
            &json!({"payment_method": "cash_on_delivery"}),
            Some(token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(paid["order"]["status"], "confirmed");
    assert_eq!(paid["payment"]["provider"], "cash_on_delivery");
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (3, 1, 2),
        "taken on confirmation"
    );
    error_body(
        app.post(
            &format!("/api/v1/orders/{id}/payment"),
            &json!({"payment_method": "cash_on_delivery"}),
            Some(token),
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;

    // Lists: own orders for the customer, everyone's for an admin, with a status filter.
    let mine = json_of(app.get("/api/v1/orders", Some(token)).await, 200).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], id.as_str());
    let all = json_of(
        app.get("/api/v1/orders?page_size=1", Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(
        (all["total"].as_i64(), all["has_next"].as_bool()),
        (Some(2), Some(true))
    );
    let pending = json_of(
        app.get("/api/v1/orders?status=pending", Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(pending["total"], 1);
    error_body(
        app.get("/api/v1/orders?status=lost", Some(&admin)).await,
        422,
        "validation_error",
    )
    .await;
    error_body(
        app.get("/api/v1/orders", None).await,
        401,
        "authentication_required",
    )
    .await;
    let other = app.customer("other-buyer@example.com").await;
    error_body(
        app.get(&format!("/api/v1/orders/{id}"), Some(&other.access))
            .await,
        404,
        "order_not_found",
    )
    .await;

    // Admin moves it along; customers may not.
    let path = format!("/api/v1/orders/{id}");
    error_body(
        app.send(
            Method::PATCH,
            &path,
            &json!({"status": "processing"}),
            Some(token),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        app.send(
            Method::PATCH,
            &path,
            &json!({"status": "delivered"}),
            Some(&admin),
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;
    let processing = json_of(
        app.send(
            Method::PATCH,
            &path,
            &json!({"status": "processing", "admin_note": "gift wrap"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(processing["status"], "processing");
    assert_eq!(processing["admin_note"], "gift wrap");
    let shipped = json_of(
        app.send(
            Method::PATCH,
            &path,
            &json!({"status": "shipped", "tracking_number": "1Z999"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(shipped["tracking_number"], "1Z999");
    assert!(shipped["shipped_at"].is_string());
    assert!(shipped["timestamps"]["shipped"].is_string());
    let as_customer = json_of(app.get(&path, Some(token)).await, 200).await;
    assert!(
        as_customer.get("admin_note").is_none(),
        "admin notes stay with admins"
    );
    // Cancel after shipped: 409, stock unchanged.
    error_body(
        app.send(Method::DELETE, &path, &json!({}), Some(token))
            .await,
        409,
        "invalid_transition",
    )
    .await;
    error_body(
        app.send(
            Method::PATCH,
            &path,
            &json!({"status": "cancelled"}),
            Some(&admin),
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;
    assert_eq!(stock(&app, &pid, &vid).await, (3, 1, 2));

    // The guest cancels the pending loose order with its token: the hold goes.
    let loose_path = format!(
        "/api/v1/orders/{}?token={}",
        loose["id"].as_str().unwrap(),
        loose["order_token"].as_str().unwrap()
    );
    let cancelled = json_of(
        app.send(Method::DELETE, &loose_path, &json!({}), None)
            .await,
        200,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "customer_request");
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3));

    // A confirmed order cancelled by its owner returns its stock.
    let res = call(
        &app,
        Method::POST,
        "/api/v1/cart/items",
        Some(json!({"variant_id": vid, "quantity": 1})),
        None,
        Some(token),
    )
    .await;
    let cart = json_of(res, 201).await;
    let again = json_of(
        app.post(
            "/api/v1/orders",
            &json!({"cart_id": cart["id"], "shipping_address": sf(), "shipping_method": "standard",
                    "payment_method": "cash_on_delivery"}),
            Some(token),
        )
        .await,
        201,
    )
    .await;
    let again_id = again["id"].as_str().unwrap();
    json_of(
        app.post(
            &format!("/api/v1/orders/{again_id}/payment"),
            &json!({"payment_method": "cash_on_delivery"}),
            Some(token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(stock(&app, &pid, &vid).await, (2, 0, 2));
    let cancelled = json_of(
        app.send(
            Method::DELETE,
            &format!("/api/v1/orders/{again_id}"),
            &json!({}),
            Some(token),
        )
        .await,
        200,
    )
    .await;
    assert!(cancelled["cancelled_at"].is_string());
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3), "stock returned");

    // The customer's profile carries the order history.
    let profile = json_of(
        app.get(
            &format!("/api/v1/customers/{}", customer.user_id),
            Some(token),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(profile["email"], "orders-first@example.com");
    assert_eq!(profile["orders"]["count"], 2);
    assert_eq!(profile["orders"]["recent"][0]["id"], again_id);
}

async fn unpaid_orders_are_cancelled_when_their_time_runs_out(store: Store) {
    let app = spawn_app_with(store, |c| {
        c.reservation_ttl_secs = 1;
        c.sweep_interval_secs = 1;
    })
    .await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "VASE-CO", "USD", 3_000, 4).await;
    let res = app
        .post(
            "/api/v1/admin/discounts",
            &json!({"code": "LATE10", "type": "percentage", "value": 10, "usage_limit": 1}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    let placed = json_of(
        app.post(
            "/api/v1/orders",
            &json!({"items": [{"variant_id": vid, "quantity": 3}], "email": "late@example.com",
                    "shipping_address": sf(), "shipping_method": "standard",
                    "discount_code": "LATE10", "payment_method": "cash_on_delivery"}),
            None,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(stock(&app, &pid, &vid).await, (4, 3, 1));
    let id = placed["id"].as_str().unwrap();
    let token = placed["order_token"].as_str().unwrap();
    let path = format!("/api/v1/orders/{id}?token={token}");
    app.advance(2);
    let mut order = Value::Null;
    for _ in 0..40 {
        // The sweeper runs every second of real time.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        order = json_of(app.get(&path, None).await, 200).await;
        if order["status"] == "cancelled" {
            break;
        }
    }
    assert_eq!(
        order["status"], "cancelled",
        "the sweeper cancels it: {order}"
    );
    assert_eq!(order["cancel_reason"], "payment_timeout");
    assert_eq!(order["discount_total"], 900);
    assert_eq!(stock(&app, &pid, &vid).await, (4, 0, 4));
    // The code's use comes back: the order never became a sale.
    let codes = json_of(app.get("/api/v1/admin/discounts", Some(&admin)).await, 200).await;
    assert_eq!(codes["items"][0]["times_used"], 0);
    error_body(
        app.post(
            &format!("/api/v1/orders/{id}/payment?token={token}"),
            &json!({"payment_method": "cash_on_delivery"}),
            None,
        )
        .await,
        409,
        "invalid_transition",
    )
    .await;
}

async fn idempotency_keys_replay_the_first_answer(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "LAMP-CO", "USD", 5_000, 5).await;
    let body = json!({"items": [{"variant_id": vid, "quantity": 1}], "email": "idem@example.com",
                      "shipping_address": sf(), "shipping_method": "standard",
                      "payment_method": "cash_on_delivery"});
    let send = |b: Value, key: &'static str| {
        app.request(Method::POST, "/api/v1/orders")
            .header("Idempotency-Key", key)
            .header("X-Session-ID", "sess-idempotent")
            .json(&b)
            .send()
    };
    let first = send(body.clone(), "key-0001").await.expect("sent");
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = json_of(first, 201).await;
    let second = send(body.clone(), "key-0001").await.expect("sent");
    assert_eq!(
        second
            .headers()
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let second = json_of(second, 201).await;
    assert_eq!(
        first["id"], second["id"],
        "the same order, not a second one"
    );
    assert_eq!(first["order_token"], second["order_token"]);
    assert_eq!(stock(&app, &pid, &vid).await, (5, 1, 4), "held once");
    let mut other = body.clone();
    other["items"][0]["quantity"] = json!(2);
    error_body(
        send(other, "key-0001").await.expect("sent"),
        422,
        "idempotency_key_reused",
    )
    .await;
    // Another key is another request.
    let third = json_of(send(body, "key-0002").await.expect("sent"), 201).await;
    assert_ne!(third["id"], first["id"]);
    assert_eq!(stock(&app, &pid, &vid).await, (5, 2, 3));
    // Sessions take keys too: the same key opens one session, not two.
    let s = "sess-idempotent-chk";
    let cart = guest_cart(&app, s, &vid, 1).await;
    let open_once = || {
        app.request(Method::POST, "/api/v1/checkout/sessions")
            .header("Idempotency-Key", "chk-0001")
            .header("X-Session-ID", s)
            .json(&session_body(&cart))
            .send()
    };
    let a = json_of(open_once().await.expect("sent"), 201).await;
    let b = json_of(open_once().await.expect("sent"), 201).await;
    assert_eq!(a["checkout_id"], b["checkout_id"]);
    assert_eq!(
        stock(&app, &pid, &vid).await,
        (5, 3, 2),
        "one more unit held, once"
    );

    let bad = app
        .request(Method::POST, "/api/v1/orders")
        .header("Idempotency-Key", "")
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    error_body(bad, 422, "validation_error").await;
}

async fn a_discount_use_is_counted_once_per_order(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, vid) = product(&app, &admin, "RUG-CO", "USD", 10_000, 5).await;
    let res = app
        .post(
            "/api/v1/admin/discounts",
            &json!({"code": "ONCE", "type": "percentage", "value": 10, "usage_limit": 1}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 201);
    let s = "sess-discount-01";
    let cart = guest_cart(&app, s, &vid, 1).await;
    let mut body = session_body(&cart);
    body["discount_code"] = json!("once");
    let session = json_of(open(&app, s, body).await, 201).await;
    assert_eq!(session["breakdown"]["discount_total"], 1_000);
    assert_eq!(session["discount_code"], "ONCE");
    let confirmed = json_of(
        call(
            &app,
            Method::POST,
            &format!(
                "/api/v1/checkout/sessions/{}/confirm",
                session["checkout_id"].as_str().unwrap()
            ),
            None,
            Some(s),
            None,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(confirmed["order"]["discount_total"], 1_000);
    assert_eq!(confirmed["order"]["discount_code"], "ONCE");
    let list = json_of(app.get("/api/v1/admin/discounts", Some(&admin)).await, 200).await;
    assert_eq!(list["items"][0]["times_used"], 1);
    // Used up: the next buyer is told so.
    let s2 = "sess-discount-02";
    let cart2 = guest_cart(&app, s2, &vid, 1).await;
    let mut body = session_body(&cart2);
    body["discount_code"] = json!("ONCE");
    error_body(open(&app, s2, body).await, 410, "discount_expired").await;
}

/// The proof: two instances on one database, a variant with 10 units, 200 buyers at
/// once → exactly 10 sessions hold stock, the rest get 409, stock never goes negative; after
/// the holds expire all 10 are available again; 20 concurrent confirms → one order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_never_oversell() {
    let first = spawn_app_with(Store::Postgres, |c| {
        c.reservation_ttl_secs = 8;
        c.sweep_interval_secs = 0;
        c.database_pool_size = 20;
    })
    .await;
    let second = Arc::new(start_beside(&first).await);
    let first = Arc::new(first);
    let admin = first.admin().await.access;
    let (pid, vid) = product(&first, &admin, "FLASH-1", "USD", 1_000, 10).await;

    let mut carts = Vec::new();
    for i in 0..200 {
        let app = if i % 2 == 0 { &first } else { &second };
        let session = format!("sess-flash-{i:04}");
        let cart = guest_cart(app, &session, &vid, 1).await;
        carts.push((session, cart));
    }
    let attempts = carts.into_iter().enumerate().map(|(i, (session, cart))| {
        let app = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        tokio::spawn(async move {
            let res = open(&app, &session, session_body(&cart)).await;
            let status = res.status().as_u16();
            let body: Value = res.json().await.expect("json");
            (status, body, session)
        })
    });
    let results: Vec<(u16, Value, String)> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let held: Vec<&(u16, Value, String)> = results.iter().filter(|r| r.0 == 201).collect();
    let refused = results
        .iter()
        .filter(|r| r.0 == 409 && r.1["error"] == "insufficient_inventory")
        .count();
    assert_eq!(held.len(), 10, "exactly the 10 units are held");
    assert_eq!(refused, 190, "the rest are told there is not enough");
    assert_eq!(stock(&first, &pid, &vid).await, (10, 10, 0));

    // The holds expire: all 10 units are available again.
    first.advance(9);
    assert_eq!(stock(&first, &pid, &vid).await, (10, 0, 10));
    assert_eq!(stock(&second, &pid, &vid).await, (10, 0, 10));

    // 20 concurrent confirms of one session, across both instances: one order.
    let (_, first_try, session) = held[0];
    let cart = first_try["cart_id"].as_str().unwrap();
    let winner = json_of(open(&first, session, session_body(cart)).await, 201).await;
    let path = format!(
        "/api/v1/checkout/sessions/{}/confirm",
        winner["checkout_id"].as_str().unwrap()
    );
    let confirms = (0..20).map(|i| {
        let app = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let (path, session) = (path.clone(), session.to_owned());
        tokio::spawn(async move {
            let res = call(&app, Method::POST, &path, None, Some(&session), None).await;
            let status = res.status().as_u16();
            let body: Value = res.json().await.expect("json");
            (status, body)
        })
    });
    let confirmed: Vec<(u16, Value)> = futures_util::future::join_all(confirms)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    assert_eq!(
        confirmed.iter().filter(|c| c.0 == 201).count(),
        1,
        "{confirmed:?}"
    );
    assert!(confirmed.iter().all(|c| c.0 == 201 || c.0 == 200));
    let order_ids: std::collections::HashSet<&str> = confirmed
        .iter()
        .map(|c| c.1["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(order_ids.len(), 1, "every answer names the one order");
    let orders = json_of(first.get("/api/v1/orders", Some(&admin)).await, 200).await;
    assert_eq!(orders["total"], 1);

    assert_eq!(stock(&second, &pid, &vid).await, (9, 0, 9));
}
