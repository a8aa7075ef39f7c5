//! Direct reservations (spec §16) on both stores: all or nothing, released by id, taken over
//! by the cart's checkout session without counting a unit twice; and racing checkout sessions
//! over two instances, never more held than is on hand.

use std::sync::Arc;

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::{call, product};
use crate::checkout::{guest_cart, open, session_body, stock};
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app, spawn_app_with, start};

both_stores!(
    a_direct_reservation_holds_all_or_nothing_until_released,
    a_carts_session_takes_its_reservation_over,
    a_cart_owner_reserves_no_more_than_the_cart_holds,
    a_refused_reservation_names_skus,
);

async fn reserve(
    app: &TestApp,
    body: &Value,
    session: Option<&str>,
    token: Option<&str>,
) -> Response {
    call(
        app,
        Method::POST,
        "/api/v1/inventory/reserve",
        Some(body.clone()),
        session,
        token,
    )
    .await
}

async fn release(app: &TestApp, id: &str, session: Option<&str>, token: Option<&str>) -> Response {
    call(
        app,
        Method::DELETE,
        &format!("/api/v1/inventory/reservations/{id}"),
        None,
        session,
        token,
    )
    .await
}

async fn a_direct_reservation_holds_all_or_nothing_until_released(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "SHOWROOM-1", "USD", 9_900, 5).await;
    let (pid2, vid2) = product(&app, &admin, "SHOWROOM-2", "USD", 4_900, 1).await;
    let body = json!({"items": [{"variant_id": vid, "quantity": 3}], "reservation_minutes": 5});
    let held = json_of(reserve(&app, &body, None, Some(&admin)).await, 201).await;
    let id = held["reservation_id"].as_str().unwrap().to_owned();
    assert_eq!(held["items"][0]["quantity"], 3);
    let left = (chrono::DateTime::parse_from_rfc3339(held["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp()
        - chrono::Utc::now().timestamp())
    .abs();
    assert!((280..=300).contains(&left), "five minutes: {left}");
    assert_eq!(stock(&app, &pid, &vid).await, (5, 3, 2));
    // All or nothing: 2 more fit, 2 of the other do not; nothing is held.
    let both =
        json!({"items": [{"variant_id": vid, "quantity": 2}, {"variant_id": vid2, "quantity": 2}]});
    let short = error_body(
        reserve(&app, &both, None, Some(&admin)).await,
        409,
        "insufficient_inventory",
    )
    .await;
    assert_eq!(short["details"]["lines"].as_array().map(Vec::len), Some(1));
    assert_eq!(stock(&app, &pid, &vid).await, (5, 3, 2));
    assert_eq!(stock(&app, &pid2, &vid2).await, (1, 0, 1));
    for bad in [
        json!({"items": [{"variant_id": vid, "quantity": 1}], "reservation_minutes": 61}),
        json!({"items": [{"variant_id": vid, "quantity": 0}]}),
        json!({"items": []}),
    ] {
        error_body(
            reserve(&app, &bad, None, Some(&admin)).await,
            422,
            "validation_error",
        )
        .await;
    }
    // Without a cart only admins and API keys reserve.
    let one = json!({"items": [{"variant_id": vid, "quantity": 1}]});
    error_body(
        reserve(&app, &one, Some("sess-browsing"), None).await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        release(&app, &id, Some("sess-browsing"), None).await,
        404,
        "reservation_not_found",
    )
    .await;
    assert_eq!(release(&app, &id, None, Some(&admin)).await.status(), 204);
    assert_eq!(stock(&app, &pid, &vid).await, (5, 0, 5));
    error_body(
        release(&app, &id, None, Some(&admin)).await,
        404,
        "reservation_not_found",
    )
    .await;
}

async fn a_carts_session_takes_its_reservation_over(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "SHOWROOM-3", "USD", 9_900, 5).await;
    let guest = "sess-showroom";
    let cart = guest_cart(&app, guest, &vid, 2).await;
    let body = json!({"items": [{"variant_id": vid, "quantity": 2}], "cart_id": cart});
    error_body(
        reserve(&app, &body, Some("sess-not-the-owner"), None).await,
        404,
        "cart_not_found",
    )
    .await;
    let held = json_of(reserve(&app, &body, Some(guest), None).await, 201).await;
    assert_eq!(
        held["reservation_id"],
        cart.as_str(),
        "a cart's reservation is the cart's"
    );
    assert_eq!(stock(&app, &pid, &vid).await, (5, 2, 3));
    // Reserving again replaces it.
    json_of(reserve(&app, &body, Some(guest), None).await, 201).await;
    assert_eq!(stock(&app, &pid, &vid).await, (5, 2, 3));
    // The cart's session holds the same two units: taken over, never counted twice.
    let session = json_of(open(&app, guest, session_body(&cart)).await, 201).await;
    assert_eq!(stock(&app, &pid, &vid).await, (5, 2, 3));
    error_body(
        release(&app, &cart, Some(guest), None).await,
        404,
        "reservation_not_found",
    )
    .await;
    let id = session["checkout_id"].as_str().unwrap();
    json_of(
        call(
            &app,
            Method::POST,
            &format!("/api/v1/checkout/sessions/{id}/confirm"),
            None,
            Some(guest),
            None,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(stock(&app, &pid, &vid).await, (3, 0, 3));
}

/// Spec §17: a guest cannot hold a shop's stock through a cart that does not want it.
async fn a_cart_owner_reserves_no_more_than_the_cart_holds(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "HOARD-1", "USD", 1_000, 99).await;
    let (pid2, vid2) = product(&app, &admin, "HOARD-2", "USD", 1_000, 99).await;
    let guest = "sess-hoarder-1";
    let cart = guest_cart(&app, guest, &vid, 2).await;
    for items in [
        json!([{"variant_id": vid, "quantity": 99}]),
        json!([{"variant_id": vid, "quantity": 2}, {"variant_id": vid, "quantity": 1}]),
        json!([{"variant_id": vid2, "quantity": 1}]),
        json!([{"variant_id": vid, "quantity": 1}, {"variant_id": vid2, "quantity": 1}]),
    ] {
        let body = json!({"cart_id": cart, "reservation_minutes": 60, "items": items});
        let refused = error_body(
            reserve(&app, &body, Some(guest), None).await,
            422,
            "validation_error",
        )
        .await;
        assert_eq!(refused["details"]["fields"][0]["field"], "items", "{items}");
        assert_eq!(stock(&app, &pid, &vid).await, (99, 0, 99), "nothing held");
        assert_eq!(stock(&app, &pid2, &vid2).await, (99, 0, 99), "nothing held");
    }
    // What the cart holds, or less, is fine; an admin is not bound by a cart.
    let within = json!({"cart_id": cart, "items": [{"variant_id": vid, "quantity": 2}]});
    json_of(reserve(&app, &within, Some(guest), None).await, 201).await;
    assert_eq!(stock(&app, &pid, &vid).await, (99, 2, 97));
    let by_admin = json!({"cart_id": cart, "items": [{"variant_id": vid2, "quantity": 5}]});
    json_of(reserve(&app, &by_admin, None, Some(&admin)).await, 201).await;
}

/// Spec §15: a refused reservation names each line by its SKU, as a cart's refusal does.
async fn a_refused_reservation_names_skus(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, vid) = product(&app, &admin, "SCARCE-SKU-1", "USD", 1_000, 1).await;
    let body = json!({"items": [{"variant_id": vid, "quantity": 3}]});
    let short = error_body(
        reserve(&app, &body, None, Some(&admin)).await,
        409,
        "insufficient_inventory",
    )
    .await;
    assert_eq!(short["details"]["sku"], "SCARCE-SKU-1", "{short}");
    assert_eq!(
        short["details"]["lines"][0]["sku"], "SCARCE-SKU-1",
        "{short}"
    );
    assert_eq!(short["details"]["lines"][0]["available_quantity"], 1);
}

/// Direct reservations racing checkout sessions over two instances: never more held than is
/// on hand, and exactly the units there were are held.
#[tokio::test(flavor = "multi_thread")]
async fn direct_reservations_and_sessions_race_over_two_instances() {
    let first = spawn_app_with(Store::Postgres, |c| c.database_pool_size = 20).await;
    let second = Arc::new(start(first.config.clone(), first.db.clone()).await);
    let first = Arc::new(first);
    let admin = first.admin().await.access;
    let (pid, vid) = product(&first, &admin, "RACE-HOLD", "USD", 1_000, 10).await;
    let mut carts = Vec::new();
    for i in 0..20 {
        let guest = format!("sess-race-hold-{i:02}");
        let cart = guest_cart(if i % 2 == 0 { &first } else { &second }, &guest, &vid, 1).await;
        carts.push((guest, cart));
    }
    let mut tasks = Vec::new();
    for (i, (guest, cart)) in carts.into_iter().enumerate() {
        let app = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        tasks.push(tokio::spawn(async move {
            open(&app, &guest, session_body(&cart))
                .await
                .status()
                .as_u16()
        }));
        let app = if i % 2 == 0 {
            second.clone()
        } else {
            first.clone()
        };
        let (vid, admin) = (vid.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"items": [{"variant_id": vid, "quantity": 1}]});
            reserve(&app, &body, None, Some(&admin))
                .await
                .status()
                .as_u16()
        }));
    }
    let mut held = 0;
    for t in tasks {
        match t.await.expect("task") {
            201 => held += 1,
            409 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(held, 10, "exactly the ten units are held");
    assert_eq!(stock(&first, &pid, &vid).await, (10, 10, 0));
    assert_eq!(stock(&second, &pid, &vid).await, (10, 10, 0));
}
