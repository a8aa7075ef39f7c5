//! Issue 18: the SQL statements a guest checkout sends to Postgres, counted the way the
//! server's statement log would show them (queries, BEGIN/COMMIT, the pool's recycle checks).
//! The first add to a cart at most 8, opening the session at most 10, the confirm at most 10,
//! and session and confirm the same for one line as for three.

use reqwest::Method;
use serde_json::json;

use crate::carts::{call, product};
use crate::checkout::{open, session_body};
use crate::helpers::{Store, TestApp, json_of, spawn_app_with};

const ADD_MAX: usize = 8;
const SESSION_MAX: usize = 10;
const CONFIRM_MAX: usize = 10;

struct Counts {
    add: Vec<String>,
    session: Vec<String>,
    confirm: Vec<String>,
}

fn shown(statements: &[String]) -> String {
    statements
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "  {:>2}. {}\n",
                i + 1,
                s.chars().take(300).collect::<String>()
            )
        })
        .collect()
}

/// A guest buys one unit of each variant: the statements of the first add, of opening the
/// session and of confirming it.
async fn guest_checkout(app: &TestApp, session: &str, variants: &[String]) -> Counts {
    let _ = merx_test_db::take_statements();
    let mut add = Vec::new();
    let mut cart = String::new();
    for (i, variant) in variants.iter().enumerate() {
        let body = json_of(
            call(
                app,
                Method::POST,
                "/api/v1/cart/items",
                Some(json!({"variant_id": variant, "quantity": 1})),
                Some(session),
                None,
            )
            .await,
            201,
        )
        .await;
        cart = body["id"].as_str().expect("cart id").to_owned();
        let statements = merx_test_db::take_statements();
        if i == 0 {
            add = statements;
        }
    }
    let opened = json_of(open(app, session, session_body(&cart)).await, 201).await;
    let session_statements = merx_test_db::take_statements();
    let id = opened["checkout_id"].as_str().expect("checkout id");
    let confirmed = json_of(
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
    .await;
    assert_eq!(
        confirmed["order"]["items"]
            .as_array()
            .map(Vec::len)
            .expect("items"),
        variants.len()
    );
    Counts {
        add,
        session: session_statements,
        confirm: merx_test_db::take_statements(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_checkout_sends_few_statements_whatever_its_lines() {
    merx_test_db::count_statements();
    let app = spawn_app_with(Store::Postgres, |c| {
        // Nothing in the background: every statement counted is the request's own.
        c.sweep_interval_secs = 0;
        c.outbox_interval_ms = 0;
    })
    .await;
    let admin = app.admin().await.access;
    let mut variants = Vec::new();
    for sku in ["COUNT-1", "COUNT-2", "COUNT-3", "COUNT-4"] {
        variants.push(product(&app, &admin, sku, "USD", 1_500, 10).await.1);
    }
    let one = guest_checkout(&app, "sess-statements-one", &variants[..1]).await;
    let three = guest_checkout(&app, "sess-statements-three", &variants[1..]).await;

    let report = format!(
        "first add {} (at most {ADD_MAX}):\n{}session of one line {}, of three {} (at most \
         {SESSION_MAX}):\n{}confirm of one line {}, of three {} (at most {CONFIRM_MAX}):\n{}",
        one.add.len(),
        shown(&one.add),
        one.session.len(),
        three.session.len(),
        shown(&three.session),
        one.confirm.len(),
        three.confirm.len(),
        shown(&three.confirm),
    );
    eprintln!("{report}");
    assert!(one.add.len() <= ADD_MAX, "{report}");
    assert!(three.add.len() <= ADD_MAX, "{report}");
    assert!(one.session.len() <= SESSION_MAX, "{report}");
    assert!(one.confirm.len() <= CONFIRM_MAX, "{report}");
    assert_eq!(one.session.len(), three.session.len(), "{report}");
    assert_eq!(one.confirm.len(), three.confirm.len(), "{report}");
}
