//! Opening and confirming sessions.

use merx_checkout::{CheckoutError, CheckoutRequest, PlaceOutcome};
use merx_inventory::{ReserveOutcome, Shortage};
use merx_orders::OrderStatus;
use merx_payments::{MockPaymentGateway, PaymentError, PaymentMethod};
use mockall::predicate::eq;

use crate::support::{Mocks, address, cart_of, guest, open_session, product};

fn request(cart: &merx_cart::Cart, method: &str) -> CheckoutRequest {
    CheckoutRequest {
        cart_id: cart.id,
        email: Some("buyer@example.com".into()),
        shipping_address: address(),
        billing_address: None,
        shipping_method: "standard".into(),
        discount_code: None,
        payment_method: method.into(),
        success_url: None,
        cancel_url: None,
        mode: None,
        metadata: None,
        tax_id: None,
    }
}

#[tokio::test]
async fn an_empty_cart_is_refused_before_anything_is_held() {
    let p = product();
    let cart = cart_of(&p, 0);
    let mut m = Mocks::new();
    m.cart_priceable(&cart, &p, 5);
    m.stock.expect_reserve_over().never();
    m.store.expect_insert_session().never();
    let err = m
        .service()
        .open(request(&cart, "cash_on_delivery"), &guest(), None)
        .await
        .expect_err("empty");
    assert!(matches!(err, CheckoutError::EmptyCart), "{err:?}");
}

#[tokio::test]
async fn a_session_locks_the_quote_and_holds_every_line_for_its_ttl() {
    let p = product();
    let cart = cart_of(&p, 2);
    let mut m = Mocks::new();
    m.cart_priceable(&cart, &p, 5);
    m.store
        .expect_open_sessions_of_cart()
        .with(eq(cart.id))
        .returning(|_| Ok(Vec::new()));
    let variant = p.variants[0].id;
    m.stock
        .expect_reserve_over()
        .times(1)
        .withf(move |holder, lines, now, until, takes_over| {
            // The cart's direct reservation, if any, is taken over in the same hold.
            takes_over
                .as_deref()
                .is_some_and(|h| h.starts_with("cart-hold:"))
                && holder.starts_with("checkout:")
                && lines.len() == 1
                && lines[0].variant_id == variant
                && lines[0].quantity == 2
                && *until - *now == chrono::Duration::minutes(15)
        })
        .returning(|_, _, _, _, _| Ok(ReserveOutcome::Reserved));
    m.store
        .expect_insert_session()
        .times(1)
        .withf(|s| s.totals.subtotal == 5_000 && s.totals.shipping_total == 500)
        .returning(|_| Ok(Vec::new()));
    let session = m
        .service()
        .open(request(&cart, "cash_on_delivery"), &guest(), None)
        .await
        .expect("opened");
    assert_eq!(session.totals.total, 5_500);
    assert_eq!(session.items[0].sku, "TEE-M");
    assert!(session.payment.settles_on_delivery);
}

#[tokio::test]
async fn a_short_line_is_named_by_sku_and_no_session_is_written() {
    let p = product();
    let cart = cart_of(&p, 2);
    let mut m = Mocks::new();
    m.cart_priceable(&cart, &p, 5);
    m.store
        .expect_open_sessions_of_cart()
        .returning(|_| Ok(Vec::new()));
    let variant = p.variants[0].id;
    m.stock
        .expect_reserve_over()
        .returning(move |_, _, _, _, _| {
            Ok(ReserveOutcome::Short(vec![Shortage {
                variant_id: variant,
                available: 1,
                requested: 2,
            }]))
        });
    m.store.expect_insert_session().never();
    let err = m
        .service()
        .open(request(&cart, "cash_on_delivery"), &guest(), None)
        .await
        .expect_err("short");
    match err {
        CheckoutError::Insufficient(lines) => {
            assert_eq!(lines[0].sku, "TEE-M");
            assert_eq!(
                (lines[0].available_quantity, lines[0].requested_quantity),
                (1, 2)
            );
        }
        other => panic!("expected Insufficient, got {other:?}"),
    }
}

#[tokio::test]
async fn a_provider_that_refuses_to_start_leaves_no_hold_behind() {
    let p = product();
    let cart = cart_of(&p, 1);
    let mut card = MockPaymentGateway::new();
    card.expect_method().return_const(PaymentMethod::Stripe);
    card.expect_start()
        .times(1)
        .returning(|_| Err(PaymentError::Provider("timed out".into())));
    let mut m = Mocks::new();
    m.cart_priceable(&cart, &p, 5);
    m.store
        .expect_open_sessions_of_cart()
        .returning(|_| Ok(Vec::new()));
    m.stock
        .expect_reserve_over()
        .returning(|_, _, _, _, _| Ok(ReserveOutcome::Reserved));
    m.stock
        .expect_release()
        .times(1)
        .withf(|holder| holder.starts_with("checkout:"))
        .returning(|_| Ok(1));
    m.store.expect_insert_session().never();
    let err = m
        .with_card(card)
        .service()
        .open(request(&cart, "stripe"), &guest(), None)
        .await
        .expect_err("provider down");
    assert!(matches!(err, CheckoutError::Payment(_)), "{err:?}");
}

#[tokio::test]
async fn an_uncaptured_card_session_is_not_placed() {
    let p = product();
    let cart = cart_of(&p, 2);
    let session = open_session(&cart, &p, "stripe", false);
    let mut m = Mocks::new();
    let found = session.clone();
    m.store
        .expect_find_session()
        .returning(move |_| Ok(Some(found.clone())));
    m.store.expect_place_order().never();
    m.store.expect_next_order_number().never();
    let err = m
        .service()
        .confirm(session.id, &guest())
        .await
        .expect_err("not captured");
    assert!(matches!(err, CheckoutError::PaymentRequired), "{err:?}");
}

#[tokio::test]
async fn confirming_places_one_confirmed_order_that_takes_the_held_stock() {
    let p = product();
    let cart = cart_of(&p, 2);
    let session = open_session(&cart, &p, "cash_on_delivery", false);
    let mut m = Mocks::new();
    let found = session.clone();
    m.store
        .expect_find_session()
        .returning(move |_| Ok(Some(found.clone())));
    m.store.expect_next_order_number().returning(|| Ok(41));
    let (sid, holder, cart_id) = (session.id, session.holder(), cart.id);
    m.store
        .expect_place_order()
        .times(1)
        .withf(move |pl| {
            pl.session == Some(sid)
                && pl.holder == holder
                && pl.clear_cart == Some(cart_id)
                && pl.order.stock_taken
                && pl.order.status == OrderStatus::Confirmed
                && pl.order.totals.total == 5_500
        })
        .returning(|_| Ok(PlaceOutcome::Placed));
    let confirmed = m
        .service()
        .confirm(session.id, &guest())
        .await
        .expect("confirmed");
    assert!(confirmed.created);
    assert_eq!(confirmed.order.number.to_string(), "MRX-2026-000041");
    assert!(confirmed.order_token.is_some(), "a guest gets a token once");
}

#[tokio::test]
async fn a_concurrent_confirm_that_won_answers_its_order() {
    let p = product();
    let cart = cart_of(&p, 2);
    let session = open_session(&cart, &p, "cash_on_delivery", false);
    let winner = crate::support::pending_order(&p, "cash_on_delivery");
    let mut m = Mocks::new();
    let mut complete = session.clone();
    complete.status = merx_checkout::SessionStatus::Complete;
    complete.order_id = Some(winner.id);
    let (first, then) = (session.clone(), complete);
    let mut calls = 0;
    m.store.expect_find_session().returning(move |_| {
        calls += 1;
        Ok(Some(if calls == 1 {
            first.clone()
        } else {
            then.clone()
        }))
    });
    m.store.expect_next_order_number().returning(|| Ok(42));
    let won = winner.id;
    m.store
        .expect_place_order()
        .times(1)
        .returning(move |_| Ok(PlaceOutcome::AlreadyPlaced(won)));
    let stored = winner.clone();
    m.orders
        .expect_find()
        .with(eq(winner.id))
        .returning(move |_| Ok(Some(stored.clone())));
    let confirmed = m
        .service()
        .confirm(session.id, &guest())
        .await
        .expect("the winner's order");
    assert!(!confirmed.created);
    assert_eq!(confirmed.order.id, winner.id);
    assert!(confirmed.order_token.is_none());
}

#[tokio::test]
async fn someone_elses_session_is_not_found() {
    let p = product();
    let cart = cart_of(&p, 2);
    let session = open_session(&cart, &p, "cash_on_delivery", false);
    let mut m = Mocks::new();
    m.store
        .expect_find_session()
        .returning(move |_| Ok(Some(session.clone())));
    let stranger = merx_cart::CartCaller {
        session: Some("sess-someone-else".into()),
        ..merx_cart::CartCaller::default()
    };
    let err = m
        .service()
        .confirm(merx_checkout::CheckoutId::new(), &stranger)
        .await
        .expect_err("hidden");
    assert!(matches!(err, CheckoutError::NotFound), "{err:?}");
}
