//! Contracts of the checkout, order and idempotency ports: each write that spans orders,
//! stock, discounts and carts happens whole or not at all, and exactly once under races.

use std::any::Any;
use std::sync::Arc;

use chrono::Duration;
use merx_cart::{CartRepository, Touch};
use merx_catalog::ProductRepository;
use merx_checkout::{
    CheckoutId, CheckoutSession, CheckoutStore, OrderChange, PlaceOutcome, Placement,
    SessionPayment, SessionStatus,
};
use merx_inventory::{ReservationLine, ReserveOutcome, StockRepository};
use merx_kernel::{
    Currency, IdempotencyClaim, IdempotencyStore, PageRequest, PostalAddress, StoredResponse,
    Timestamp, VariantId,
};
use merx_orders::{
    CancelReason, Order, OrderFilter, OrderId, OrderItem, OrderNumber, OrderRepository,
    OrderStatus, OrderTotals, PaymentStatus, StatusTimes,
};
use merx_pricing::DiscountRepository;

use crate::carts::{guest_cart, line};
use crate::catalog::{now, product, stock_of, variant};
use crate::pricing::discount;

/// The ports checkout writes through, of one store.
pub struct CheckoutRepos {
    pub users: Arc<dyn merx_identity::UserRepository>,
    pub products: Arc<dyn ProductRepository>,
    pub stock: Arc<dyn StockRepository>,
    pub carts: Arc<dyn CartRepository>,
    pub discounts: Arc<dyn DiscountRepository>,
    pub checkout: Arc<dyn CheckoutStore>,
    pub orders: Arc<dyn OrderRepository>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub guard: Box<dyn Any + Send + Sync>,
}

/// A stored product with `on_hand` units of its one variant.
async fn stocked(
    r: &CheckoutRepos,
    slug: &str,
    on_hand: i64,
) -> (merx_kernel::ProductId, VariantId) {
    let p = product(slug, vec![variant(&slug.to_uppercase(), 2_000)]);
    r.products
        .insert(&p, &stock_of(&p, on_hand), None)
        .await
        .expect("product");
    (p.id, p.variants[0].id)
}

async fn on_hand_and_reserved(r: &CheckoutRepos, v: VariantId) -> (i64, i64) {
    let l = r.stock.levels(&[v], now()).await.expect("levels").remove(0);
    (l.on_hand, l.reserved)
}

fn address() -> PostalAddress {
    PostalAddress {
        name: "Ada".into(),
        phone: None,
        line1: "1 Market St".into(),
        line2: None,
        city: "San Francisco".into(),
        state: Some("CA".into()),
        postal_code: "94105".into(),
        country: "US".into(),
    }
}

fn order(
    product: merx_kernel::ProductId,
    v: VariantId,
    quantity: i64,
    number: i64,
    at: Timestamp,
) -> Order {
    Order {
        id: OrderId::new(),
        number: OrderNumber::new(2026, number),
        user_id: None,
        email: "buyer@example.com".into(),
        status: OrderStatus::Confirmed,
        payment_status: PaymentStatus::Pending,
        currency: Currency::Usd,
        items: vec![OrderItem {
            product_id: product,
            variant_id: v,
            sku: "SKU".into(),
            name: "Thing".into(),
            variant_name: "Default".into(),
            image: None,
            unit_price: 2_000,
            quantity,
            line_total: 2_000 * quantity,
            discount: 0,
            tax: 0,
        }],
        totals: OrderTotals {
            subtotal: 2_000 * quantity,
            total: 2_000 * quantity,
            ..OrderTotals::default()
        },
        discount_code: None,
        shipping_address: address(),
        billing_address: address(),
        shipping_method: "standard".into(),
        payment_method: merx_kernel::PaymentMethod::CashOnDelivery,
        payment_provider_ref: None,
        tracking_number: None,
        notes: None,
        admin_note: None,
        cancel_reason: None,
        checkout_id: None,
        token_hash: None,
        stock_taken: true,
        payment_due_at: None,
        times: StatusTimes {
            confirmed_at: Some(at),
            ..StatusTimes::default()
        },
        paid_at: None,
        flags: Vec::new(),
        ledger: merx_orders::PaymentLedger::default(),
        tax_id: None,
        created_at: at,
        updated_at: at,
    }
}

fn session(
    cart: merx_cart::CartId,
    items: Vec<OrderItem>,
    at: Timestamp,
    ttl: Duration,
) -> CheckoutSession {
    CheckoutSession {
        id: CheckoutId::new(),
        cart_id: cart,
        user_id: None,
        guest_session: Some("sess-contract-chk".into()),
        email: "buyer@example.com".into(),
        status: SessionStatus::Open,
        currency: Currency::Usd,
        items,
        totals: OrderTotals::default(),
        shipping_tax: 0,
        discount_code: None,
        discount_id: None,
        shipping_address: address(),
        billing_address: address(),
        billing_same: true,
        shipping_method: "standard".into(),
        payment: SessionPayment {
            method: merx_kernel::PaymentMethod::CashOnDelivery,
            provider_ref: None,
            client: serde_json::Map::new(),
            settles_on_delivery: true,
            captured: false,
        },
        success_url: None,
        cancel_url: None,
        mode: merx_checkout::SessionMode::Redirect,
        metadata: serde_json::Map::new(),
        tax_id: None,
        order_id: None,
        created_at: at,
        updated_at: at,
        expires_at: at + ttl,
    }
}

fn cod() -> merx_orders::Settlement {
    merx_orders::Settlement {
        method: merx_kernel::PaymentMethod::CashOnDelivery,
        paid: false,
        provider_ref: None,
    }
}

fn hold(v: VariantId, quantity: i64) -> [ReservationLine; 1] {
    [ReservationLine {
        variant_id: v,
        quantity,
    }]
}

pub async fn placing_an_order_takes_stock_counts_the_discount_and_empties_the_cart(
    r: &CheckoutRepos,
) {
    let at = now();
    let (pid, v) = stocked(r, "contract-place", 5).await;
    let cart = guest_cart("sess-contract-place", at);
    r.carts.insert(&cart).await.expect("cart");
    r.carts
        .add_item(cart.id, &line(v, 2, at), 99, Touch::at(at))
        .await
        .expect("line");
    let mut code = discount("ONCEONLY", at);
    code.usage_limit = Some(1);
    r.discounts.insert(&code, None).await.expect("discount");
    let redemption = merx_pricing::Redemption {
        discount_id: code.id,
        customer: "buyer@example.com".into(),
    };
    let held = r
        .stock
        .reserve(
            "checkout:contract",
            &hold(v, 2),
            at,
            at + Duration::minutes(15),
        )
        .await
        .expect("reserve");
    assert_eq!(held, ReserveOutcome::Reserved);

    let first = order(pid, v, 2, 1, at);
    let placement = Placement {
        order: first.clone(),
        holder: "checkout:contract".into(),
        session: None,
        redemption: Some(redemption.clone()),
        clear_cart: Some(cart.id),
        late_payment: false,
        now: at,
    };
    assert_eq!(
        r.checkout.place_order(&placement).await.expect("place"),
        PlaceOutcome::Placed
    );
    assert_eq!(on_hand_and_reserved(r, v).await, (3, 0), "taken, hold gone");
    let stored = r
        .orders
        .find(first.id)
        .await
        .expect("find")
        .expect("stored");
    assert_eq!(stored.items, first.items);
    assert_eq!(stored.number, first.number);
    assert!(
        r.carts
            .find(cart.id)
            .await
            .expect("cart")
            .expect("kept")
            .items
            .is_empty()
    );
    let used = r
        .discounts
        .find(code.id)
        .await
        .expect("find")
        .expect("code");
    assert_eq!(used.times_used, 1);
    assert_eq!(
        r.discounts
            .uses_by_customer(code.id, "buyer@example.com")
            .await
            .expect("uses"),
        1
    );

    // The code is used up: the next order changes nothing at all.
    let second = order(pid, v, 1, 2, at);
    let refused = Placement {
        order: second.clone(),
        holder: "checkout:other".into(),
        ..placement.clone()
    };
    assert_eq!(
        r.checkout.place_order(&refused).await.expect("place"),
        PlaceOutcome::DiscountUsedUp
    );
    assert!(r.orders.find(second.id).await.expect("find").is_none());
    assert_eq!(on_hand_and_reserved(r, v).await, (3, 0));

    // More than is on hand: refused whole, every short line listed.
    let too_many = Placement {
        order: order(pid, v, 4, 3, at),
        holder: "checkout:big".into(),
        redemption: None,
        ..placement
    };
    match r.checkout.place_order(&too_many).await.expect("place") {
        PlaceOutcome::Short(short) => {
            assert_eq!((short[0].available, short[0].requested), (3, 4));
        }
        other => panic!("expected Short, got {other:?}"),
    }
    assert_eq!(on_hand_and_reserved(r, v).await, (3, 0));
}

pub async fn a_session_becomes_exactly_one_order_under_concurrent_placements(r: &CheckoutRepos) {
    let at = now();
    let (pid, v) = stocked(r, "contract-race", 10).await;
    let cart = guest_cart("sess-contract-race", at);
    r.carts.insert(&cart).await.expect("cart");
    let s = session(
        cart.id,
        order(pid, v, 1, 0, at).items,
        at,
        Duration::minutes(15),
    );
    r.checkout.insert_session(&s).await.expect("session");
    r.stock
        .reserve(&s.holder(), &hold(v, 1), at, s.expires_at)
        .await
        .expect("reserve");
    assert_eq!(
        r.checkout
            .open_sessions_of_cart(cart.id)
            .await
            .expect("open"),
        [s.id]
    );
    let attempts = (0..10).map(|i| {
        let checkout = r.checkout.clone();
        let placement = Placement {
            order: order(pid, v, 1, 100 + i, at),
            holder: s.holder(),
            session: Some(s.id),
            redemption: None,
            clear_cart: Some(cart.id),
            late_payment: false,
            now: at,
        };
        tokio::spawn(async move {
            let outcome = checkout.place_order(&placement).await.expect("place");
            (outcome, placement.order.id)
        })
    });
    let results: Vec<(PlaceOutcome, OrderId)> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let winners: Vec<OrderId> = results
        .iter()
        .filter(|(o, _)| *o == PlaceOutcome::Placed)
        .map(|(_, id)| *id)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for (outcome, _) in &results {
        assert!(
            *outcome == PlaceOutcome::Placed || *outcome == PlaceOutcome::AlreadyPlaced(winners[0]),
            "{outcome:?}"
        );
    }
    assert_eq!(on_hand_and_reserved(r, v).await, (9, 0), "taken once");
    let stored = r
        .checkout
        .find_session(s.id)
        .await
        .expect("find")
        .expect("session");
    assert_eq!(
        (stored.status, stored.order_id),
        (SessionStatus::Complete, Some(winners[0]))
    );
    assert!(
        r.checkout
            .open_sessions_of_cart(cart.id)
            .await
            .expect("open")
            .is_empty()
    );
    let all = r
        .orders
        .list(OrderFilter::default(), PageRequest::default())
        .await
        .expect("list");
    assert_eq!(all.total, 1);
}

pub async fn closed_and_expired_sessions_place_nothing_and_expire_once(r: &CheckoutRepos) {
    let at = now();
    let (pid, v) = stocked(r, "contract-expiry", 4).await;
    let cart = guest_cart("sess-contract-exp", at);
    r.carts.insert(&cart).await.expect("cart");
    let items = order(pid, v, 1, 0, at).items;
    let late = session(
        cart.id,
        items.clone(),
        at - Duration::minutes(20),
        Duration::minutes(15),
    );
    r.checkout.insert_session(&late).await.expect("session");
    let placement = Placement {
        order: order(pid, v, 1, 7, at),
        holder: late.holder(),
        session: Some(late.id),
        redemption: None,
        clear_cart: None,
        late_payment: false,
        now: at,
    };
    assert_eq!(
        r.checkout.place_order(&placement).await.expect("place"),
        PlaceOutcome::SessionClosed(SessionStatus::Expired)
    );
    assert_eq!(on_hand_and_reserved(r, v).await, (4, 0));
    assert_eq!(r.checkout.expire_sessions(at).await.expect("expire"), 1);
    assert_eq!(
        r.checkout.expire_sessions(at).await.expect("expire"),
        0,
        "once"
    );
    let expired = r
        .checkout
        .find_session(late.id)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(expired.status, SessionStatus::Expired);

    let open = session(cart.id, items, at, Duration::minutes(15));
    r.checkout.insert_session(&open).await.expect("session");
    r.stock
        .reserve(&open.holder(), &hold(v, 1), at, open.expires_at)
        .await
        .expect("reserve");
    assert_eq!(on_hand_and_reserved(r, v).await, (4, 1));
    assert!(
        r.checkout
            .close_session(open.id, SessionStatus::Cancelled, at)
            .await
            .expect("close")
    );
    assert!(
        !r.checkout
            .close_session(open.id, SessionStatus::Cancelled, at)
            .await
            .expect("close")
    );
    assert_eq!(
        on_hand_and_reserved(r, v).await,
        (4, 0),
        "its hold went with it"
    );
    let closed = Placement {
        session: Some(open.id),
        holder: open.holder(),
        ..placement
    };
    assert_eq!(
        r.checkout.place_order(&closed).await.expect("place"),
        PlaceOutcome::SessionClosed(SessionStatus::Cancelled)
    );
}

pub async fn unpaid_orders_are_confirmed_or_cancelled_and_stock_follows(r: &CheckoutRepos) {
    let at = now();
    let (pid, v) = stocked(r, "contract-unpaid", 6).await;
    let pending = |number: i64, due: Timestamp| {
        let mut o = order(pid, v, 2, number, at);
        o.status = OrderStatus::Pending;
        o.stock_taken = false;
        o.times = StatusTimes::default();
        o.payment_due_at = Some(due);
        o
    };
    let place = |o: Order| {
        let checkout = r.checkout.clone();
        let stock = r.stock.clone();
        async move {
            let due = o.payment_due_at.expect("due");
            stock
                .reserve(
                    &o.holder(),
                    &hold(v, 2),
                    at,
                    due.max(at + Duration::milliseconds(1)),
                )
                .await
                .expect("reserve");
            let placement = Placement {
                holder: o.holder(),
                order: o,
                session: None,
                redemption: None,
                clear_cart: None,
                late_payment: false,
                now: at,
            };
            assert_eq!(
                checkout.place_order(&placement).await.expect("place"),
                PlaceOutcome::Placed
            );
            placement.order
        }
    };
    let paid = place(pending(11, at + Duration::minutes(15))).await;
    assert_eq!(on_hand_and_reserved(r, v).await, (6, 2), "held, not taken");
    match r
        .checkout
        .confirm_order(paid.id, &cod(), at, None)
        .await
        .expect("confirm")
    {
        OrderChange::Done(o) => {
            assert_eq!((o.status, o.stock_taken), (OrderStatus::Confirmed, true));
            assert!(o.times.confirmed_at.is_some());
        }
        other => panic!("expected Done, got {other:?}"),
    }
    assert_eq!(on_hand_and_reserved(r, v).await, (4, 0));
    assert_eq!(
        r.checkout
            .confirm_order(paid.id, &cod(), at, None)
            .await
            .expect("confirm"),
        OrderChange::Refused(OrderStatus::Confirmed)
    );
    // Cancelling a confirmed order returns its stock, once.
    match r
        .checkout
        .cancel_order(paid.id, CancelReason::CustomerRequest, at, None)
        .await
        .expect("cancel")
    {
        OrderChange::Done(o) => {
            assert_eq!(o.status, OrderStatus::Cancelled);
            assert_eq!(
                o.cancel_reason,
                Some(merx_orders::CancelReason::CustomerRequest)
            );
        }
        other => panic!("expected Done, got {other:?}"),
    }
    assert_eq!(on_hand_and_reserved(r, v).await, (6, 0));
    assert_eq!(
        r.checkout
            .cancel_order(paid.id, CancelReason::CustomerRequest, at, None)
            .await
            .expect("cancel"),
        OrderChange::Refused(OrderStatus::Cancelled)
    );
    assert_eq!(on_hand_and_reserved(r, v).await, (6, 0));

    // An order whose time to pay ran out cannot be confirmed and is cancelled once.
    let late = place(pending(12, at)).await;
    assert_eq!(
        r.checkout
            .confirm_order(late.id, &cod(), at, None)
            .await
            .expect("confirm"),
        OrderChange::Expired
    );
    let later = at + Duration::seconds(1);
    assert_eq!(
        r.checkout.cancel_unpaid_orders(later).await.expect("sweep"),
        1
    );
    assert_eq!(
        r.checkout.cancel_unpaid_orders(later).await.expect("sweep"),
        0
    );
    let cancelled = r.orders.find(late.id).await.expect("find").expect("kept");
    assert_eq!(
        cancelled.cancel_reason,
        Some(merx_orders::CancelReason::PaymentTimeout)
    );
    assert_eq!(on_hand_and_reserved(r, v).await, (6, 0));
    assert_eq!(
        r.checkout
            .cancel_order(OrderId::new(), CancelReason::Admin, at, None)
            .await
            .expect("cancel"),
        OrderChange::NotFound
    );
}

pub async fn orders_list_by_customer_and_status_and_edits_never_overwrite(r: &CheckoutRepos) {
    let at = now();
    let (pid, v) = stocked(r, "contract-list", 0).await;
    let customer = crate::identity::user("lister@example.com");
    r.users.insert(&customer, None).await.expect("user");
    let user = customer.id;
    let mut mine = order(pid, v, 1, 21, at);
    mine.user_id = Some(user);
    mine.stock_taken = false;
    let mut other = order(pid, v, 1, 22, at + Duration::seconds(1));
    other.status = OrderStatus::Pending;
    other.stock_taken = false;
    for o in [&mine, &other] {
        let p = Placement {
            order: o.clone(),
            holder: o.holder(),
            session: None,
            redemption: None,
            clear_cart: None,
            late_payment: false,
            now: at,
        };
        assert_eq!(
            r.checkout.place_order(&p).await.expect("place"),
            PlaceOutcome::Placed
        );
    }
    let all = r
        .orders
        .list(OrderFilter::default(), PageRequest::default())
        .await
        .expect("list");
    assert_eq!(
        all.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [other.id, mine.id],
        "newest first"
    );
    let of_user = OrderFilter {
        user: Some(user),
        status: None,
    };
    let page = r
        .orders
        .list(of_user, PageRequest::default())
        .await
        .expect("list");
    assert_eq!(
        page.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [mine.id]
    );
    let pending = OrderFilter {
        user: None,
        status: Some(OrderStatus::Pending),
    };
    assert_eq!(
        r.orders
            .list(pending, PageRequest::default())
            .await
            .expect("list")
            .total,
        1
    );

    let mut edited = mine.clone();
    edited.tracking_number = Some("1Z".into());
    edited.updated_at = at + Duration::seconds(5);
    assert!(
        r.orders
            .update(&edited, mine.updated_at, None)
            .await
            .expect("update")
    );
    let mut stale = mine.clone();
    stale.admin_note = Some("lost".into());
    assert!(
        !r.orders
            .update(&stale, mine.updated_at, None)
            .await
            .expect("update"),
        "seen an old version"
    );
    let stored = r.orders.find(mine.id).await.expect("find").expect("kept");
    assert_eq!(
        (stored.tracking_number.as_deref(), stored.admin_note),
        (Some("1Z"), None)
    );
}

pub async fn idempotency_keys_are_claimed_once_replayed_and_expire(r: &CheckoutRepos) {
    let at = now();
    let later = at + Duration::hours(24);
    let claims = (0..10).map(|_| {
        let store = r.idempotency.clone();
        tokio::spawn(async move {
            store
                .claim("POST /orders user:1", "k1", "fp", at, later)
                .await
        })
    });
    let results: Vec<IdempotencyClaim> = futures_util::future::join_all(claims)
        .await
        .into_iter()
        .map(|r| r.expect("task").expect("claim"))
        .collect();
    assert_eq!(
        results
            .iter()
            .filter(|c| **c == IdempotencyClaim::Claimed)
            .count(),
        1
    );
    assert!(
        results
            .iter()
            .all(|c| matches!(c, IdempotencyClaim::Claimed | IdempotencyClaim::InProgress))
    );
    let answer = StoredResponse {
        status: 201,
        body: "{\"id\":1}".into(),
    };
    r.idempotency
        .complete("POST /orders user:1", "k1", &answer, later)
        .await
        .expect("complete");
    assert_eq!(
        r.idempotency
            .claim("POST /orders user:1", "k1", "fp", at, later)
            .await
            .expect("claim"),
        IdempotencyClaim::Replay(answer)
    );
    assert_eq!(
        r.idempotency
            .claim("POST /orders user:1", "k1", "other", at, later)
            .await
            .expect("claim"),
        IdempotencyClaim::Reused
    );
    // Keys are per scope.
    assert_eq!(
        r.idempotency
            .claim("POST /orders user:2", "k1", "other", at, later)
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed
    );
    r.idempotency
        .abandon("POST /orders user:2", "k1")
        .await
        .expect("abandon");
    assert_eq!(
        r.idempotency
            .claim("POST /orders user:2", "k1", "fp", at, later)
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed
    );
    // A claim nobody answered frees its key when its lease runs out.
    let lease = at + Duration::seconds(60);
    assert_eq!(
        r.idempotency
            .claim("POST /orders user:3", "k9", "fp", at, lease)
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed
    );
    assert_eq!(
        r.idempotency
            .claim("POST /orders user:3", "k9", "fp", at, lease)
            .await
            .expect("claim"),
        IdempotencyClaim::InProgress
    );
    assert_eq!(
        r.idempotency
            .claim("POST /orders user:3", "k9", "fp", lease, later)
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed
    );
    // After 24 h a key is free again, and the sweep deletes what expired.
    assert_eq!(
        r.idempotency
            .claim(
                "POST /orders user:1",
                "k1",
                "new",
                later,
                later + Duration::hours(24)
            )
            .await
            .expect("claim"),
        IdempotencyClaim::Claimed
    );
    assert_eq!(r.idempotency.delete_expired(later).await.expect("sweep"), 2);
    assert_eq!(r.idempotency.delete_expired(later).await.expect("sweep"), 0);
}

/// A limit an admin edits while checkouts are open applies to the next order on both stores:
/// the code's limits are read as they are when the order is written.
pub async fn an_edited_usage_limit_applies_to_the_next_order(r: &CheckoutRepos) {
    let at = now();
    let (pid, v) = stocked(r, "contract-edited-limit", 10).await;
    let mut code = discount("EDITED", at);
    code.usage_limit = Some(5);
    code.usage_limit_per_customer = Some(1);
    r.discounts.insert(&code, None).await.expect("discount");
    let place = |n: i64, customer: &str| {
        let placement = Placement {
            order: order(pid, v, 1, n, at),
            holder: format!("order:edited-{n}"),
            session: None,
            redemption: Some(merx_pricing::Redemption {
                discount_id: code.id,
                customer: customer.into(),
            }),
            clear_cart: None,
            late_payment: false,
            now: at,
        };
        async move { r.checkout.place_order(&placement).await.expect("place") }
    };
    assert_eq!(place(1, "a@example.com").await, PlaceOutcome::Placed);
    assert_eq!(
        place(2, "a@example.com").await,
        PlaceOutcome::DiscountUsedUp,
        "one per customer"
    );

    let mut edited = code.clone();
    edited.usage_limit = Some(1);
    assert!(
        r.discounts
            .update_with(edited.id, &|_| Ok((edited.clone(), None)))
            .await
            .expect("edit")
            .is_some()
    );
    assert_eq!(
        place(3, "b@example.com").await,
        PlaceOutcome::DiscountUsedUp,
        "a lowered total limit applies at once"
    );

    edited.usage_limit = Some(3);
    edited.usage_limit_per_customer = Some(2);
    assert!(
        r.discounts
            .update_with(edited.id, &|_| Ok((edited.clone(), None)))
            .await
            .expect("edit")
            .is_some()
    );
    assert_eq!(place(4, "a@example.com").await, PlaceOutcome::Placed);
    assert_eq!(place(5, "b@example.com").await, PlaceOutcome::Placed);
    assert_eq!(
        place(6, "c@example.com").await,
        PlaceOutcome::DiscountUsedUp,
        "three in total"
    );
    let used = r
        .discounts
        .find(code.id)
        .await
        .expect("find")
        .expect("code");
    assert_eq!(used.times_used, 3);
    assert_eq!(
        r.discounts
            .uses_by_customer(code.id, "a@example.com")
            .await
            .expect("uses"),
        2
    );
}

/// Ten refunds of 30 % racing on one paid order: exactly three are begun, the ledger never
/// holds more refunded than captured, and a failed refund gives its amount back.
pub async fn concurrent_refunds_never_exceed_what_was_captured(r: &CheckoutRepos) {
    let at = now();
    let (pid, v) = stocked(r, "contract-refunds", 5).await;
    let mut paid = order(pid, v, 1, 77, at);
    paid.totals.total = 10_000;
    paid.payment_status = merx_orders::PaymentStatus::Paid;
    paid.ledger.captured = 10_000;
    let placement = Placement {
        order: paid.clone(),
        holder: "order:contract-refunds".into(),
        session: None,
        redemption: None,
        clear_cart: None,
        late_payment: false,
        now: at,
    };
    assert_eq!(
        r.checkout.place_order(&placement).await.expect("place"),
        PlaceOutcome::Placed
    );
    let ask = merx_checkout::RefundAsk {
        amount: Some(3_000),
        reason: None,
        restock: false,
    };
    let attempts = (0..10).map(|_| r.checkout.begin_refund(paid.id, &ask, at, None));
    let results = futures_util::future::join_all(attempts).await;
    let begun: Vec<merx_orders::Refund> = results
        .into_iter()
        .filter_map(|b| match b.expect("begin") {
            merx_checkout::RefundBegun::Begun { refund, .. } => Some(refund),
            merx_checkout::RefundBegun::Refused(_) => None,
            merx_checkout::RefundBegun::NotFound => panic!("the order exists"),
        })
        .collect();
    assert_eq!(begun.len(), 3);
    let stored = r.orders.find(paid.id).await.expect("find").expect("order");
    assert_eq!(stored.ledger.refunded, 9_000);
    assert_eq!(
        stored.payment_status,
        merx_orders::PaymentStatus::PartiallyRefunded
    );

    let ok = r
        .checkout
        .finish_refund(
            begun[0].id,
            &merx_checkout::RefundOutcome::Succeeded(Some("re_1".into())),
            at,
        )
        .await
        .expect("finish")
        .expect("refund");
    assert_eq!(ok.status, merx_orders::RefundStatus::Succeeded);
    assert_eq!(ok.provider_ref.as_deref(), Some("re_1"));
    let failed = r
        .checkout
        .finish_refund(begun[1].id, &merx_checkout::RefundOutcome::Failed, at)
        .await
        .expect("finish")
        .expect("refund");
    assert_eq!(failed.status, merx_orders::RefundStatus::Failed);
    let again = r
        .checkout
        .finish_refund(begun[1].id, &merx_checkout::RefundOutcome::Failed, at)
        .await
        .expect("finish")
        .expect("refund");
    assert_eq!(
        again.status,
        merx_orders::RefundStatus::Failed,
        "finished once"
    );
    let stored = r.orders.find(paid.id).await.expect("find").expect("order");
    assert_eq!(
        stored.ledger.refunded, 6_000,
        "the failed one given back, once"
    );
    let listed = r.checkout.refunds(paid.id).await.expect("refunds");
    assert_eq!(listed.len(), 3);
}

fn provider_event(id: &str) -> merx_checkout::ProviderEvent {
    merx_checkout::ProviderEvent {
        provider: "stripe".into(),
        event_id: id.into(),
        kind: "test.event".into(),
    }
}

pub async fn a_provider_event_takes_effect_once_and_a_refused_one_is_not_recorded(
    r: &CheckoutRepos,
) {
    use merx_checkout::{EventApplied, EventEffect};
    let at = now();
    let (pid, v) = stocked(r, "contract-events", 5).await;
    let mut paid = order(pid, v, 1, 88, at);
    paid.payment_method = merx_kernel::PaymentMethod::Stripe;
    paid.payment_provider_ref = Some("pi_contract".into());
    paid.payment_status = PaymentStatus::Paid;
    paid.ledger.captured = paid.totals.total;
    let placement = Placement {
        order: paid.clone(),
        holder: "order:contract-events".into(),
        session: None,
        redemption: None,
        clear_cart: None,
        late_payment: false,
        now: at,
    };
    assert_eq!(
        r.checkout.place_order(&placement).await.expect("place"),
        PlaceOutcome::Placed
    );
    assert_eq!(
        r.checkout
            .order_by_payment_ref("pi_contract")
            .await
            .expect("find"),
        Some(paid.id)
    );
    // The same dashboard refund, delivered ten times at once: one refund row.
    let refund = EventEffect::ProviderRefund {
        order: paid.id,
        refunded_total: 500,
        refund_ref: Some("re_dash".into()),
    };
    let event = provider_event("evt_contract_refund");
    let deliveries = (0..10).map(|_| r.checkout.apply_event(&event, &refund, at));
    let applied: Vec<EventApplied> = futures_util::future::join_all(deliveries)
        .await
        .into_iter()
        .map(|a| a.expect("apply"))
        .collect();
    let duplicates = applied
        .iter()
        .filter(|a| **a == EventApplied::Duplicate)
        .count();
    assert_eq!(duplicates, 9, "{applied:?}");
    let refunds = r.checkout.refunds(paid.id).await.expect("refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].amount, 500);
    // The same report under another event id adds nothing either.
    let again = r
        .checkout
        .apply_event(&provider_event("evt_contract_refund_2"), &refund, at)
        .await
        .expect("apply");
    assert_eq!(again, EventApplied::Applied(None));
    let stored = r.orders.find(paid.id).await.expect("find").expect("order");
    assert_eq!(stored.ledger.refunded, 500);

    // A refused effect (confirming an order that is not awaiting payment) records nothing:
    // the event can still be applied later.
    let confirm = EventEffect::ConfirmOrder {
        order: paid.id,
        settlement: merx_orders::Settlement {
            method: merx_kernel::PaymentMethod::Stripe,
            paid: true,
            provider_ref: None,
        },
        late: true,
    };
    let refused = r
        .checkout
        .apply_event(&provider_event("evt_contract_confirm"), &confirm, at)
        .await
        .expect("apply");
    assert!(matches!(
        refused,
        EventApplied::OrderRefused(OrderChange::Refused(_))
    ));
    let flag = EventEffect::Flag {
        order: paid.id,
        flag: merx_orders::OrderFlag::Disputed,
    };
    let flagged = r
        .checkout
        .apply_event(&provider_event("evt_contract_confirm"), &flag, at)
        .await
        .expect("apply");
    assert!(
        matches!(flagged, EventApplied::Applied(Some(_))),
        "not recorded before"
    );
    let stored = r.orders.find(paid.id).await.expect("find").expect("order");
    assert_eq!(stored.flags, [merx_orders::OrderFlag::Disputed]);
}

/// Applies `effect` as the provider event `id`, then again: taken once, a duplicate after.
async fn applied_once(
    r: &CheckoutRepos,
    id: &str,
    effect: &merx_checkout::EventEffect,
    at: Timestamp,
) {
    use merx_checkout::EventApplied;
    let event = provider_event(id);
    let first = r
        .checkout
        .apply_event(&event, effect, at)
        .await
        .expect("apply");
    assert!(matches!(first, EventApplied::Applied(_)), "{id}: {first:?}");
    let again = r
        .checkout
        .apply_event(&event, effect, at)
        .await
        .expect("apply");
    assert_eq!(again, EventApplied::Duplicate, "{id}");
}

/// The provider facts the other contracts leave out, on both stores: an expired provider
/// session frees its hold, a failed payment keeps the order and its hold for another try, and
/// a payment after the order was cancelled for its timeout is captured and flagged; each once.
pub async fn expiry_failure_and_late_payment_take_effect_once(r: &CheckoutRepos) {
    use merx_checkout::EventEffect;
    let at = now();
    let (pid, v) = stocked(r, "contract-facts", 6).await;

    // The provider ended the session's payment: it expires and its hold goes.
    let cart = guest_cart("sess-contract-facts", at);
    r.carts.insert(&cart).await.expect("cart");
    let open = session(
        cart.id,
        order(pid, v, 1, 0, at).items,
        at,
        Duration::minutes(15),
    );
    r.checkout.insert_session(&open).await.expect("session");
    r.stock
        .reserve(&open.holder(), &hold(v, 1), at, open.expires_at)
        .await
        .expect("reserve");
    assert_eq!(on_hand_and_reserved(r, v).await, (6, 1));
    let expire = EventEffect::ExpireSession(open.id);
    applied_once(r, "evt_contract_expired", &expire, at).await;
    let expired = r
        .checkout
        .find_session(open.id)
        .await
        .expect("find")
        .expect("kept");
    assert_eq!(expired.status, SessionStatus::Expired);
    assert_eq!(on_hand_and_reserved(r, v).await, (6, 0), "its hold went");

    // A failed attempt keeps the pending order and its hold for another try.
    let mut pending = order(pid, v, 2, 21, at);
    pending.status = OrderStatus::Pending;
    pending.stock_taken = false;
    pending.times = StatusTimes::default();
    pending.payment_method = merx_kernel::PaymentMethod::Stripe;
    pending.payment_due_at = Some(at + Duration::minutes(15));
    r.stock
        .reserve(
            &pending.holder(),
            &hold(v, 2),
            at,
            at + Duration::minutes(15),
        )
        .await
        .expect("reserve");
    let placement = Placement {
        holder: pending.holder(),
        order: pending.clone(),
        session: None,
        redemption: None,
        clear_cart: None,
        late_payment: false,
        now: at,
    };
    assert_eq!(
        r.checkout.place_order(&placement).await.expect("place"),
        PlaceOutcome::Placed
    );
    let failed = EventEffect::PaymentFailed(pending.id);
    applied_once(r, "evt_contract_failed", &failed, at).await;
    let stored = r
        .orders
        .find(pending.id)
        .await
        .expect("find")
        .expect("order");
    assert_eq!(
        (stored.status, stored.payment_status),
        (OrderStatus::Pending, PaymentStatus::Failed)
    );
    assert_eq!(
        on_hand_and_reserved(r, v).await,
        (6, 2),
        "still held for a retry"
    );

    // Its time runs out: cancelled for the timeout, the hold freed. The money then arrives.
    let later = at + Duration::minutes(16);
    assert_eq!(
        r.checkout.cancel_unpaid_orders(later).await.expect("sweep"),
        1
    );
    assert_eq!(on_hand_and_reserved(r, v).await, (6, 0));
    let late = EventEffect::LatePayment {
        order: pending.id,
        paid: pending.totals.total,
    };
    applied_once(r, "evt_contract_late", &late, later).await;
    let stored = r
        .orders
        .find(pending.id)
        .await
        .expect("find")
        .expect("order");
    assert_eq!(stored.status, OrderStatus::Cancelled);
    assert_eq!(stored.cancel_reason, Some(CancelReason::PaymentTimeout));
    assert_eq!(
        (stored.payment_status, stored.ledger.captured),
        (PaymentStatus::Paid, pending.totals.total)
    );
    assert_eq!(stored.flags, [merx_orders::OrderFlag::PaidAfterExpiry]);
    assert_eq!(on_hand_and_reserved(r, v).await, (6, 0), "no stock taken");
}
