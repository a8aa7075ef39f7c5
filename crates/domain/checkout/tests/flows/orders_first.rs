//! Placing orders before payment, and paying them.

use merx_checkout::{CheckoutError, NewOrderRequest, OrderChange, OrderSource, PlaceOutcome};
use merx_inventory::ReserveOutcome;
use merx_orders::{OrderStatus, OrderViewer};
use merx_payments::{MockPaymentGateway, PaymentMethod, PaymentStart};
use mockall::predicate::eq;

use crate::support::{Mocks, address, cart_of, guest, pending_order, product, t0};

fn admin() -> OrderViewer {
    OrderViewer {
        is_admin: true,
        ..OrderViewer::default()
    }
}

#[tokio::test]
async fn an_order_placed_first_holds_its_stock_until_paid() {
    let p = product();
    let cart = cart_of(&p, 1);
    let mut m = Mocks::new();
    m.cart_priceable(&cart, &p, 5);
    m.stock
        .expect_reserve_over()
        .times(1)
        .withf(|holder, _, _, _, _| holder.starts_with("order:"))
        .returning(|_, _, _, _, _| Ok(ReserveOutcome::Reserved));
    m.store.expect_next_order_number().returning(|| Ok(9));
    let cart_id = cart.id;
    m.store
        .expect_place_order()
        .times(1)
        .withf(move |pl| {
            pl.order.status == OrderStatus::Pending
                && !pl.order.stock_taken
                && pl.order.payment_due_at == Some(t0() + chrono::Duration::minutes(15))
                && pl.clear_cart == Some(cart_id)
                && pl.session.is_none()
        })
        .returning(|_| Ok(PlaceOutcome::Placed));
    let placed = m
        .service()
        .place(request(OrderSource::Cart(cart.id)), &guest(), None)
        .await
        .expect("placed");
    assert!(placed.order.awaits_payment());
    assert!(placed.order_token.is_some());
}

fn request(source: OrderSource) -> NewOrderRequest {
    NewOrderRequest {
        source,
        email: Some("buyer@example.com".into()),
        shipping_address: address(),
        billing_address: None,
        shipping_method: "standard".into(),
        payment_method: "cash_on_delivery".into(),
        discount_code: None,
        notes: Some("  ".into()),
        tax_id: None,
    }
}

#[tokio::test]
async fn a_refused_placement_frees_the_hold_it_took() {
    let p = product();
    let cart = cart_of(&p, 1);
    let mut m = Mocks::new();
    m.cart_priceable(&cart, &p, 5);
    m.stock
        .expect_reserve_over()
        .returning(|_, _, _, _, _| Ok(ReserveOutcome::Reserved));
    m.store.expect_next_order_number().returning(|| Ok(9));
    m.store
        .expect_place_order()
        .returning(|_| Ok(PlaceOutcome::DiscountUsedUp));
    m.stock
        .expect_release()
        .times(1)
        .withf(|holder| holder.starts_with("order:"))
        .returning(|_| Ok(1));
    let err = m
        .service()
        .place(request(OrderSource::Cart(cart.id)), &guest(), None)
        .await
        .expect_err("used up");
    assert!(matches!(err, CheckoutError::Pricing(_)), "{err:?}");
}

#[tokio::test]
async fn paying_cash_on_delivery_confirms_with_the_money_still_to_come() {
    let p = product();
    let order = pending_order(&p, "cash_on_delivery");
    let mut m = Mocks::new();
    let found = order.clone();
    m.orders
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    let mut confirmed = order.clone();
    confirmed.status = OrderStatus::Confirmed;
    m.store
        .expect_confirm_order()
        .times(1)
        .withf(|_, s, _, audit| {
            s.method == merx_payments::PaymentMethod::CashOnDelivery && !s.paid && audit.is_none()
        })
        .returning(move |_, _, _, _| Ok(OrderChange::Done(Box::new(confirmed.clone()))));
    let answer = m
        .service()
        .pay(order.id, &admin(), "cash_on_delivery")
        .await
        .expect("paid");
    assert_eq!(answer.order.status, OrderStatus::Confirmed);
    assert!(answer.payment.settles_on_delivery);
}

#[tokio::test]
async fn paying_by_card_answers_what_the_client_needs_and_confirms_nothing_yet() {
    let p = product();
    let order = pending_order(&p, "cash_on_delivery");
    let mut card = MockPaymentGateway::new();
    card.expect_method().return_const(PaymentMethod::Stripe);
    card.expect_start()
        .times(1)
        .withf(|r| r.amount.amount() == 2_500)
        .returning(|_| {
            Ok(PaymentStart {
                method: PaymentMethod::Stripe,
                provider_ref: Some("pi_1".into()),
                client: serde_json::Map::new(),
                settles_on_delivery: false,
            })
        });
    let mut m = Mocks::new();
    let found = order.clone();
    m.orders
        .expect_find()
        .with(eq(order.id))
        .returning(move |_| Ok(Some(found.clone())));
    m.store.expect_confirm_order().never();
    let answer = m
        .with_card(card)
        .service()
        .pay(order.id, &admin(), "stripe")
        .await
        .expect("started");
    assert_eq!(answer.order.status, OrderStatus::Pending);
    assert_eq!(answer.payment.provider_ref.as_deref(), Some("pi_1"));
}

#[tokio::test]
async fn an_order_past_its_time_to_pay_is_not_paid() {
    let p = product();
    let mut order = pending_order(&p, "cash_on_delivery");
    order.payment_due_at = Some(t0());
    let mut m = Mocks::new();
    m.orders
        .expect_find()
        .returning(move |_| Ok(Some(order.clone())));
    m.store.expect_confirm_order().never();
    let err = m
        .service()
        .pay(merx_orders::OrderId::new(), &admin(), "cash_on_delivery")
        .await
        .expect_err("overdue");
    assert!(matches!(err, CheckoutError::Expired(_)), "{err:?}");
}
