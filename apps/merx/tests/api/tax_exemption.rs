//! Spec §17 on both stores: a buyer's `tax_id` removes tax only in a zone that allows business
//! exemption (the EU in the shipped defaults, never KR or JO), only for a VAT number of the
//! destination's form, and an order placed exempt records the id with `flags: ["tax_exempt"]`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::{call, product};
use crate::checkout::guest_cart;
use crate::helpers::{Store, TestApp, json_of, spawn_app};

both_stores!(
    a_tax_id_exempts_only_an_eu_vat_number_of_its_country,
    an_exempt_order_records_its_tax_id_and_is_flagged,
);

fn berlin() -> Value {
    json!({"name": "Jonas", "line1": "Unter den Linden 1", "city": "Berlin",
           "postal_code": "10117", "country": "DE"})
}

fn amman() -> Value {
    json!({"name": "Lina", "line1": "Rainbow St 5", "city": "Amman", "postal_code": "11181",
           "country": "JO"})
}

async fn tax_of(app: &TestApp, items: &Value, to: &Value, tax_id: &str) -> i64 {
    let body = json_of(
        call(
            app,
            Method::POST,
            "/api/v1/checkout/tax",
            Some(json!({"cart_items": items, "shipping_address": to, "tax_id": tax_id})),
            Some("sess-tax-exempt"),
            None,
        )
        .await,
        200,
    )
    .await;
    body["tax_total"].as_i64().expect("tax_total")
}

async fn a_tax_id_exempts_only_an_eu_vat_number_of_its_country(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, eur) = product(&app, &admin, "EU-LAMP", "EUR", 10_000, 10).await;
    let (_, jod) = product(&app, &admin, "JO-LAMP", "JOD", 10_000, 10).await;
    let eu_items = json!([{"variant_id": eur, "quantity": 1}]);
    let taxed = tax_of(&app, &eu_items, &berlin(), "").await;
    assert!(taxed > 0, "German VAT applies");
    assert_eq!(
        tax_of(&app, &eu_items, &berlin(), "DE 123 456 789").await,
        0
    );
    for typed in ["ANYTHING-GOES", "12345", "FR12345678901", "DE12345678"] {
        assert_eq!(
            tax_of(&app, &eu_items, &berlin(), typed).await,
            taxed,
            "{typed} is not a German VAT number"
        );
    }
    let jo_items = json!([{"variant_id": jod, "quantity": 1}]);
    let jo_taxed = tax_of(&app, &jo_items, &amman(), "").await;
    assert!(jo_taxed > 0);
    assert_eq!(
        tax_of(&app, &jo_items, &amman(), "JO-1234567").await,
        jo_taxed,
        "Jordan has no exemption"
    );
}

async fn an_exempt_order_records_its_tax_id_and_is_flagged(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, eur) = product(&app, &admin, "EU-DESK", "EUR", 20_000, 10).await;
    let mut orders = Vec::new();
    for (guest, tax_id) in [
        ("sess-b2b-buyer-1", "DE123456789"),
        ("sess-b2b-buyer-2", "NOT-A-VAT"),
    ] {
        let cart = guest_cart(&app, guest, &eur, 1).await;
        let placed = json_of(
            call(
                &app,
                Method::POST,
                "/api/v1/orders",
                Some(json!({"cart_id": cart, "email": "buyer@firma.de",
                            "shipping_address": berlin(), "shipping_method": "standard",
                            "payment_method": "cash_on_delivery", "tax_id": tax_id})),
                Some(guest),
                None,
            )
            .await,
            201,
        )
        .await;
        orders.push(placed);
    }
    let exempt = &orders[0];
    assert_eq!(exempt["tax_total"], 0);
    assert_eq!(exempt["flags"], json!(["tax_exempt"]));
    assert_eq!(exempt["tax_id"], "DE123456789");
    let taxed = &orders[1];
    assert!(taxed["tax_total"].as_i64().is_some_and(|t| t > 0));
    assert_eq!(taxed["flags"], json!([]));
    assert_eq!(taxed["tax_id"], Value::Null);
    // The admin reads the same from the store.
    let id = exempt["id"].as_str().expect("id");
    let read = json_of(
        app.get(&format!("/api/v1/orders/{id}"), Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(read["flags"], json!(["tax_exempt"]));
    assert_eq!(read["tax_id"], "DE123456789");
}
