//! Cancelling and admin edits that move stock.

use merx_checkout::CheckoutError;
use merx_checkout::OrderChange;
use merx_kernel::audit::{Actor, Author};
use merx_orders::{CancelReason, OrderEdit, OrderStatus, OrderViewer, PaymentStatus};
use mockall::predicate::{always, eq};

use crate::support::{Mocks, pending_order, product};

#[tokio::test]
async fn the_cancel_reason_is_the_viewers() {
    let p = product();
    let order = pending_order(&p, "cash_on_delivery");
    for (viewer, reason) in [
        (
            OrderViewer {
                is_admin: true,
                ..OrderViewer::default()
            },
            CancelReason::Admin,
        ),
        (
            OrderViewer {
                token_hash: Some("hash".into()),
                ..OrderViewer::default()
            },
            CancelReason::CustomerRequest,
        ),
    ] {
        let mut m = Mocks::new();
        let found = order.clone();
        m.orders
            .expect_find()
            .returning(move |_| Ok(Some(found.clone())));
        let done = order.clone();
        m.store
            .expect_cancel_order()
            .with(eq(order.id), eq(reason), always(), always())
            .times(1)
            .returning(move |_, _, _, _| Ok(OrderChange::Done(Box::new(done.clone()))));
        m.service()
            .cancel(order.id, &viewer, &Author::System)
            .await
            .expect("cancelled");
    }
}

#[tokio::test]
async fn an_admin_confirms_unpaid_cash_on_delivery_through_the_store_then_edits_the_rest() {
    let p = product();
    let order = pending_order(&p, "cash_on_delivery");
    let mut m = Mocks::new();
    let found = order.clone();
    let mut confirmed = order.clone();
    confirmed.status = OrderStatus::Confirmed;
    confirmed.stock_taken = true;
    let after = confirmed.clone();
    let mut reads = 0;
    m.orders.expect_find().returning(move |_| {
        reads += 1;
        Ok(Some(if reads == 1 {
            found.clone()
        } else {
            after.clone()
        }))
    });
    m.store
        .expect_confirm_order()
        .times(1)
        .withf(|_, s, _, audit| {
            s.method == merx_payments::PaymentMethod::CashOnDelivery
                && !s.paid
                && audit.as_ref().is_some_and(|e| {
                    e.action == "order.confirm" && e.actor == Actor::user("admin-1")
                })
        })
        .returning(move |_, _, _, _| Ok(OrderChange::Done(Box::new(confirmed.clone()))));
    m.orders
        .expect_update()
        .times(1)
        .withf(|o, _, audit| {
            o.status == OrderStatus::Confirmed
                && o.admin_note.as_deref() == Some("ok")
                && audit.as_ref().is_some_and(|e| {
                    e.action == "order.update"
                        && e.request_id == "req-1"
                        && e.changes.0.contains_key("admin_note")
                })
        })
        .returning(|_, _, _| Ok(true));
    let edited = m
        .service()
        .edit_order(
            order.id,
            OrderEdit {
                status: Some(OrderStatus::Confirmed),
                admin_note: Some(Some("ok".into())),
                ..OrderEdit::default()
            },
            &Author::caller(Actor::user("admin-1"), "req-1"),
        )
        .await
        .expect("confirmed");
    assert_eq!(edited.status, OrderStatus::Confirmed);
}

#[tokio::test]
async fn an_unpaid_card_order_is_confirmed_only_with_a_recorded_payment() {
    let p = product();
    let order = pending_order(&p, "stripe");
    let mut m = Mocks::new();
    let found = order.clone();
    m.orders
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    m.store.expect_confirm_order().never();
    let err = m
        .service()
        .edit_order(
            order.id,
            OrderEdit {
                status: Some(OrderStatus::Confirmed),
                ..OrderEdit::default()
            },
            &Author::System,
        )
        .await
        .expect_err("unpaid card order");
    assert!(matches!(err, CheckoutError::Order(_)), "{err:?}");

    let mut m = Mocks::new();
    let found = order.clone();
    m.orders
        .expect_find()
        .returning(move |_| Ok(Some(found.clone())));
    let mut paid = order.clone();
    paid.status = OrderStatus::Confirmed;
    paid.payment_status = PaymentStatus::Paid;
    m.store
        .expect_confirm_order()
        .times(1)
        .withf(|_, s, _, _| s.method == merx_payments::PaymentMethod::Stripe && s.paid)
        .returning(move |_, _, _, _| Ok(OrderChange::Done(Box::new(paid.clone()))));
    m.orders.expect_update().returning(|_, _, _| Ok(true));
    m.service()
        .edit_order(
            order.id,
            OrderEdit {
                status: Some(OrderStatus::Confirmed),
                payment_status: Some(PaymentStatus::Paid),
                ..OrderEdit::default()
            },
            &Author::System,
        )
        .await
        .expect("a manual payment confirms it");
}
