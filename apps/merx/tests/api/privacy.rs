//! Privacy (spec §19) through HTTP: a person's export holds everything Merx keeps about them
//! and nothing of anyone else; every table that names a person is exported or excluded for a
//! stated reason.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::{call, product};
use crate::checkout::sf;
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app};

both_stores!(an_export_holds_everything_kept_about_the_person);

/// A customer with a name, signed in: (id, access token).
async fn person(app: &TestApp, email: &str, name: &str) -> (String, String) {
    let registered = json_of(
        app.post(
            "/api/v1/auth/register",
            &json!({"email": email, "password": "password-123", "full_name": name}),
            None,
        )
        .await,
        201,
    )
    .await;
    let login = json_of(app.login(email, "password-123").await, 200).await;
    (
        registered["id"].as_str().expect("id").to_owned(),
        login["access_token"].as_str().expect("token").to_owned(),
    )
}

/// Everything a customer leaves behind: an address, a cart line, an order paid then partly
/// refunded, a review; and an admin's edit of their profile. Answers the ids to look for.
async fn footprint(app: &TestApp, admin: &str, vid: &str, pid: &str, who: (&str, &str)) -> Value {
    let (id, token) = who;
    let address = json_of(
        app.post(
            "/api/v1/me/addresses",
            &json!({"type": "shipping", "name": "Ada Lovelace", "line1": "12 Analytical Row",
                    "city": "San Francisco", "state": "CA", "postal_code": "94105", "country": "US"}),
            Some(token),
        )
        .await,
        201,
    )
    .await;
    json_of(
        call(
            app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": vid, "quantity": 1, "metadata": {"gift": "for mum"}})),
            None,
            Some(token),
        )
        .await,
        201,
    )
    .await;
    let order = json_of(
        app.post(
            "/api/v1/orders",
            &json!({"items": [{"variant_id": vid, "quantity": 2}], "shipping_address": sf(),
                    "shipping_method": "standard", "payment_method": "cash_on_delivery"}),
            Some(token),
        )
        .await,
        201,
    )
    .await;
    let order_id = order["id"].as_str().expect("order id").to_owned();
    json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/orders/{order_id}"),
            &json!({"status": "confirmed", "payment_status": "paid"}),
            Some(admin),
        )
        .await,
        200,
    )
    .await;
    let refund = json_of(
        app.post(
            &format!("/api/v1/orders/{order_id}/refunds"),
            &json!({"amount": 100, "reason": "scratched"}),
            Some(admin),
        )
        .await,
        201,
    )
    .await;
    let review = json_of(
        app.post(
            &format!("/api/v1/products/{pid}/reviews"),
            &json!({"rating": 5, "body": "Lovely"}),
            Some(token),
        )
        .await,
        201,
    )
    .await;
    json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/customers/{id}"),
            &json!({"phone": "+1 415 555 0100"}),
            Some(admin),
        )
        .await,
        200,
    )
    .await;
    json!({"address": address["id"], "order": order_id, "refund": refund["id"],
           "review": review["id"]})
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect()
}

fn assert_holds(export: &Value, id: &str, email: &str, mine: &Value) {
    assert_eq!(export["user"]["id"], id);
    assert_eq!(export["user"]["email"], email);
    assert_eq!(export["user"]["phone"], "+1 415 555 0100");
    assert!(export["generated_at"].is_string());
    assert_eq!(
        ids(&export["addresses"]),
        [mine["address"].as_str().expect("id")]
    );
    let carts = export["carts"].as_array().expect("carts");
    assert!(
        carts
            .iter()
            .any(|c| c["items"][0]["metadata"]["gift"] == "for mum"),
        "the cart and what was attached to its line: {export}"
    );
    assert_eq!(
        ids(&export["orders"]),
        [mine["order"].as_str().expect("id")]
    );
    let order = &export["orders"][0];
    assert_eq!(order["items"][0]["quantity"], 2, "with its items");
    assert_eq!(
        order["shipping_address"]["city"], "San Francisco",
        "and addresses"
    );
    assert_eq!(
        order["payment_status"], "partially_refunded",
        "and payments"
    );
    assert_eq!(
        ids(&export["refunds"]),
        [mine["refund"].as_str().expect("id")]
    );
    assert_eq!(
        ids(&export["reviews"]),
        [mine["review"].as_str().expect("id")]
    );
    let entries = export["audit_entries"].as_array().expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e["target"]["type"] == "user" && e["target"]["id"] == id),
        "the admin's edit of their profile: {export}"
    );
}

async fn an_export_holds_everything_kept_about_the_person(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "PRIV-1", "USD", 2_000, 20).await;
    let (ada, ada_token) = person(&app, "ada@example.com", "Ada Lovelace").await;
    let (bob, bob_token) = person(&app, "bob@example.com", "Bob Other").await;
    let mine = footprint(&app, &admin, &vid, &pid, (&ada, &ada_token)).await;
    let theirs = footprint(&app, &admin, &vid, &pid, (&bob, &bob_token)).await;

    let export = json_of(app.get("/api/v1/me/export", Some(&ada_token)).await, 200).await;
    assert_holds(&export, &ada, "ada@example.com", &mine);
    let text = export.to_string();
    for other in [
        "bob@example.com",
        &bob,
        theirs["order"].as_str().expect("id"),
        theirs["review"].as_str().expect("id"),
    ] {
        assert!(!text.contains(other), "nothing of anyone else: {other}");
    }

    let by_admin = json_of(
        app.get(&format!("/api/v1/customers/{ada}/export"), Some(&admin))
            .await,
        200,
    )
    .await;
    assert_holds(&by_admin, &ada, "ada@example.com", &mine);

    error_body(
        app.get(&format!("/api/v1/customers/{bob}/export"), Some(&ada_token))
            .await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        app.get("/api/v1/me/export", None).await,
        401,
        "authentication_required",
    )
    .await;
    error_body(
        app.get(
            &format!("/api/v1/customers/{}/export", uuid::Uuid::new_v4()),
            Some(&admin),
        )
        .await,
        404,
        "not_found",
    )
    .await;
}

/// Every table with a column that names a person is in the export, or left out for a reason
/// written here: a new table of personal data fails until it is one or the other.
#[tokio::test(flavor = "multi_thread")]
async fn every_table_that_names_a_person_is_exported_or_excluded_for_a_reason() {
    let app = spawn_app(Store::Postgres).await;
    let db = app.db.as_ref().expect("a database");
    let exported = [
        ("users", "user"),
        ("addresses", "addresses"),
        ("carts", "carts"),
        ("orders", "orders"),
        ("reviews", "reviews"),
        ("audit_log", "audit_entries"),
    ];
    let excluded = [
        // Hashed secrets of sign-in and of reset and verification links: security data that
        // tells the person nothing and expires.
        "refresh_tokens",
        "one_time_tokens",
    ];
    let url = db.url().to_owned();
    let named: Vec<String> = tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new("psql")
            .args([
                url.as_str(),
                "-Atc",
                "SELECT DISTINCT table_name FROM information_schema.columns \
                 WHERE table_schema = 'public' AND (column_name IN \
                 ('user_id', 'customer_id', 'actor_id', 'target_id') OR column_name LIKE '%email%') \
                 ORDER BY 1",
            ])
            .output()
            .expect("psql runs");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    })
    .await
    .expect("joined");
    let mut known: Vec<&str> = exported.iter().map(|(t, _)| *t).chain(excluded).collect();
    known.sort_unstable();
    assert_eq!(
        named, known,
        "export or exclude each table that names a person"
    );
    // Each exported table has its section in a real export.
    let (_, token) = person(&app, "sections@example.com", "Sec Tions").await;
    let export = json_of(app.get("/api/v1/me/export", Some(&token)).await, 200).await;
    for (_, section) in exported {
        assert!(!export[section].is_null(), "{section} in {export}");
    }
}
