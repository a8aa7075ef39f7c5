//! A history test (issue 17): clients run random mixes of add, session, release, confirm (some
//! twice, on the other instance), abandoned sessions that expire, cancellations and stock
//! edits over two instances on one database for a bounded number of steps; afterwards the
//! invariants hold exactly:
//!
//! - on hand + sold = initial + adjustments, per variant, and the stock ledger adds up to it;
//! - reserved never negative while it runs, and nothing held once every hold expired;
//! - no order whose stock left without its move in the ledger;
//! - discount uses never above the code's limit;
//! - one order per session, whichever instance confirmed it, however often.
//!
//! Small here (`MERX_HISTORY_CLIENTS`, `MERX_HISTORY_STEPS` make it large: `just bench-history`).

use std::collections::HashMap;
use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::carts::{call, product};
use crate::checkout::session_body;
use crate::helpers::{Store, TestApp, json_of, spawn_app_with, start_beside};

const DISCOUNT_LIMIT: i64 = 4;
const TTL_SECS: u64 = 2;

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator per client (xorshift), so a failure names its seed.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// What the clients did that the invariants need.
#[derive(Default)]
struct Record {
    /// Applied stock deltas per variant.
    adjusted: HashMap<String, i64>,
    /// How many stock edits took effect.
    edits: usize,
    /// Session id → the order id each confirm answered.
    confirmed: HashMap<String, Vec<String>>,
}

struct World {
    apps: [TestApp; 2],
    admin: String,
    variants: Vec<(String, String)>,
    record: Mutex<Record>,
}

impl World {
    fn app(&self, dice: &mut Dice) -> &TestApp {
        &self.apps[usize::from(dice.below(2) == 1)]
    }

    /// Reads a variant's stock on some instance; reserved and available are never negative.
    async fn check_stock(&self, dice: &mut Dice) {
        let (pid, vid) = &self.variants[dice.below(self.variants.len() as u64) as usize];
        let app = self.app(dice);
        let body = json_of(
            app.get(&format!("/api/v1/inventory/{pid}/variants/{vid}"), None)
                .await,
            200,
        )
        .await;
        assert!(body["reserved"].as_i64().expect("reserved") >= 0, "{body}");
        assert!(
            body["available"].as_i64().expect("available") >= 0,
            "{body}"
        );
    }
}

async fn client(world: Arc<World>, index: usize, steps: usize) {
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0x2545_F491));
    let guest = format!("sess-history-{index}");
    let mut open: Option<String> = None;
    for _ in 0..steps {
        // A buyer with a session open mostly goes on to confirm it.
        let roll = if open.is_some() && dice.below(2) == 0 {
            5
        } else {
            dice.below(10)
        };
        match roll {
            0..=2 => {
                let (_, vid) = &world.variants[dice.below(world.variants.len() as u64) as usize];
                let res = call(
                    world.app(&mut dice),
                    Method::POST,
                    "/api/v1/cart/items",
                    Some(json!({"variant_id": vid, "quantity": 1 + dice.below(3)})),
                    Some(&guest),
                    None,
                )
                .await;
                // Added, or refused for want of stock (or a line past 99).
                assert!(
                    matches!(res.status().as_u16(), 201 | 409 | 422),
                    "add: {}",
                    res.status()
                );
            }
            3 | 4 => {
                let app = world.app(&mut dice);
                let cart = call(app, Method::GET, "/api/v1/cart", None, Some(&guest), None).await;
                if cart.status() != 200 {
                    continue;
                }
                let cart: Value = cart.json().await.expect("cart");
                let mut body = session_body(cart["id"].as_str().expect("cart id"));
                if dice.below(2) == 0 {
                    body["discount_code"] = json!("HISTORY");
                }
                let res = call(
                    app,
                    Method::POST,
                    "/api/v1/checkout/sessions",
                    Some(body),
                    Some(&guest),
                    None,
                )
                .await;
                let status = res.status().as_u16();
                // Refused: empty cart, short stock, a used-up code (410), an odd address.
                assert!(
                    matches!(status, 201 | 400 | 409 | 410 | 422),
                    "session: {status}"
                );
                if status == 201 {
                    let s: Value = res.json().await.expect("session");
                    // A new session replaces the cart's open one; the old one simply ends.
                    open = Some(s["checkout_id"].as_str().expect("session id").to_owned());
                }
            }
            5 | 6 => {
                let Some(id) = open.take() else { continue };
                let times = 1 + dice.below(2);
                for _ in 0..times {
                    let res = call(
                        world.app(&mut dice),
                        Method::POST,
                        &format!("/api/v1/checkout/sessions/{id}/confirm"),
                        None,
                        Some(&guest),
                        None,
                    )
                    .await;
                    let status = res.status().as_u16();
                    // Done (once, then replayed), or the session ended (expired, replaced,
                    // out of stock, discount spent).
                    assert!(
                        matches!(status, 200 | 201 | 404 | 409 | 410 | 422),
                        "confirm: {status}"
                    );
                    if matches!(status, 200 | 201) {
                        let body: Value = res.json().await.expect("confirmed");
                        let order = body["order_id"].as_str().expect("order id").to_owned();
                        let mut record = world.record.lock().await;
                        record.confirmed.entry(id.clone()).or_default().push(order);
                    }
                }
            }
            7 => {
                if let Some(id) = open.take() {
                    if dice.below(3) == 0 {
                        // Abandoned: it expires.
                        continue;
                    }
                    let res = call(
                        world.app(&mut dice),
                        Method::POST,
                        &format!("/api/v1/checkout/sessions/{id}/release"),
                        None,
                        Some(&guest),
                        None,
                    )
                    .await;
                    assert!(
                        matches!(res.status().as_u16(), 200 | 404 | 409 | 410),
                        "release: {}",
                        res.status()
                    );
                }
            }
            8 => {
                let (pid, vid) = &world.variants[dice.below(world.variants.len() as u64) as usize];
                let delta = dice.below(7) as i64 - 3;
                let res = world
                    .app(&mut dice)
                    .send(
                        Method::PATCH,
                        &format!("/api/v1/inventory/{pid}/variants/{vid}"),
                        &json!({"delta": delta, "reason": "history"}),
                        Some(&world.admin),
                    )
                    .await;
                match res.status().as_u16() {
                    200 => {
                        let mut record = world.record.lock().await;
                        *record.adjusted.entry(vid.clone()).or_default() += delta;
                        record.edits += 1;
                    }
                    422 => {} // would go below zero: nothing changed
                    other => panic!("stock edit: {other}"),
                }
            }
            _ => {
                // Cancel one of the orders this client's sessions made (its stock returns).
                let order = {
                    let record = world.record.lock().await;
                    record
                        .confirmed
                        .values()
                        .flatten()
                        .nth(dice.below(4) as usize)
                        .cloned()
                };
                if let Some(order) = order {
                    let res = world
                        .app(&mut dice)
                        .send(
                            Method::DELETE,
                            &format!("/api/v1/orders/{order}"),
                            &json!({}),
                            Some(&world.admin),
                        )
                        .await;
                    assert!(
                        matches!(res.status().as_u16(), 200 | 409),
                        "cancel: {}",
                        res.status()
                    );
                }
                world.check_stock(&mut dice).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn random_histories_over_two_instances_keep_every_invariant() {
    let clients = size("MERX_HISTORY_CLIENTS", 6);
    let steps = size("MERX_HISTORY_STEPS", 14);
    // Scarce enough that buyers run out and compete, at every size.
    let units = i64::try_from(clients * 2).unwrap_or(i64::MAX).max(12);
    let first = spawn_app_with(Store::Postgres, |c| {
        c.reservation_ttl_secs = TTL_SECS;
        c.sweep_interval_secs = 1;
    })
    .await;
    let second = start_beside(&first).await;
    let admin = first.admin().await.access;
    let mut variants = Vec::new();
    for sku in ["HIST-A", "HIST-B", "HIST-C"] {
        variants.push(product(&first, &admin, sku, "USD", 1_000, units).await);
    }
    json_of(
        first
            .post(
                "/api/v1/admin/discounts",
                &json!({"code": "HISTORY", "type": "percentage", "value": 10,
                        "usage_limit": DISCOUNT_LIMIT}),
                Some(&admin),
            )
            .await,
        201,
    )
    .await;
    let world = Arc::new(World {
        apps: [first, second],
        admin,
        variants,
        record: Mutex::new(Record::default()),
    });
    let tasks: Vec<_> = (0..clients)
        .map(|i| tokio::spawn(client(world.clone(), i, steps)))
        .collect();
    for t in tasks {
        t.await.expect("client ran");
    }
    // Every hold still open has expired by now.
    world.apps[0].advance(i64::try_from(TTL_SECS).unwrap_or(2) + 1);

    let app = &world.apps[0];
    let db = app.db.as_ref().expect("postgres");
    let record = world.record.lock().await;
    let orders = json_of(
        app.get("/api/v1/orders?page_size=100", Some(&world.admin))
            .await,
        200,
    )
    .await;
    assert!(
        orders["total"].as_u64().expect("total") <= 100,
        "one page holds them all"
    );
    let mut sold: HashMap<String, i64> = HashMap::new();
    for order in orders["items"].as_array().expect("orders") {
        if order["status"] == "cancelled" {
            continue;
        }
        for item in order["items"].as_array().expect("items") {
            let vid = item["variant_id"].as_str().expect("variant").to_owned();
            *sold.entry(vid).or_default() += item["quantity"].as_i64().expect("quantity");
        }
    }
    for (pid, vid) in &world.variants {
        let stock = json_of(
            app.get(&format!("/api/v1/inventory/{pid}/variants/{vid}"), None)
                .await,
            200,
        )
        .await;
        let on_hand = stock["inventory_count"].as_i64().expect("on hand");
        let adjusted = record.adjusted.get(vid).copied().unwrap_or(0);
        let sold = sold.get(vid).copied().unwrap_or(0);
        assert_eq!(
            on_hand + sold,
            units + adjusted,
            "on hand + sold = initial + adjustments for {vid}"
        );
        assert_eq!(stock["reserved"], 0, "every hold expired: {stock}");
        let ledger = db
            .scalar(&format!(
                "SELECT coalesce(sum(after - before), 0)::bigint AS n FROM stock_adjustments \
                 WHERE variant_id = '{vid}'"
            ))
            .await
            .expect("ledger");
        assert_eq!(units + ledger, on_hand, "the ledger adds up for {vid}");
    }
    let unmoved = db
        .scalar(
            "SELECT count(*) AS n FROM orders o WHERE o.stock_taken AND NOT EXISTS \
             (SELECT 1 FROM stock_adjustments a WHERE a.actor = 'order ' || o.order_number \
              AND a.reason = 'order placed')",
        )
        .await
        .expect("orders");
    assert_eq!(unmoved, 0, "no order without its stock move");
    let twice = db
        .scalar(
            "SELECT (count(*) - count(DISTINCT checkout_id))::bigint AS n FROM orders \
             WHERE checkout_id IS NOT NULL",
        )
        .await
        .expect("sessions");
    assert_eq!(twice, 0, "one order per session");
    for (session, answers) in &record.confirmed {
        assert!(
            answers.windows(2).all(|w| w[0] == w[1]),
            "every confirm of {session} answered its one order: {answers:?}"
        );
    }
    let uses = db
        .scalar("SELECT times_used AS n FROM discounts WHERE code = 'HISTORY'")
        .await
        .expect("discount");
    assert!(
        (0..=DISCOUNT_LIMIT).contains(&uses),
        "discount uses {uses} within the limit {DISCOUNT_LIMIT}"
    );
    assert!(
        !record.confirmed.is_empty(),
        "the history placed orders at all"
    );
    eprintln!(
        "history: {clients} clients x {steps} steps: {} orders ({} sessions confirmed), \
         {} stock edits applied, discount used {uses} of {DISCOUNT_LIMIT}",
        orders["total"],
        record.confirmed.len(),
        record.edits,
    );
}
