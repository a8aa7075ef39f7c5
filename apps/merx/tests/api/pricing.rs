//! Spec §5 over HTTP: the checkout calculators on the shipped defaults, and admin CRUD for
//! discount codes, tax rates and shipping zones.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::{call, product};
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app};

both_stores!(
    the_calculators_quote_from_the_shipped_defaults,
    calculator_input_gets_the_specs_errors,
    admins_manage_discount_codes,
    admins_manage_tax_rates_and_shipping_zones,
    a_percentage_minimum_without_a_currency_is_in_the_shop_currency,
);

/// Spec §15: `minimum_order_amount` of a percentage code without `currency` is in the shop
/// currency (`MERX_CURRENCY`), and the code then applies to carts in that currency.
async fn a_percentage_minimum_without_a_currency_is_in_the_shop_currency(store: Store) {
    let app = crate::helpers::spawn_app_with(store, |c| {
        c.currency = merx_kernel::Currency::Krw;
    })
    .await;
    let admin = app.admin().await.access;
    let created = json_of(
        app.post(
            "/api/v1/admin/discounts",
            &json!({"code": "HAIR10", "type": "percentage", "value": 10,
                    "minimum_order_amount": 30000}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(created["currency"], "KRW");
    assert_eq!(created["minimum_order_amount"], 30_000);
    let plain = json_of(
        app.post(
            "/api/v1/admin/discounts",
            &json!({"code": "ALL5", "type": "percentage", "value": 5}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    assert!(plain["currency"].is_null(), "no minimum: any currency");
    let fixed = error_body(
        app.post(
            "/api/v1/admin/discounts",
            &json!({"code": "WON1000", "type": "fixed_amount", "value": 1000}),
            Some(&admin),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(fixed["details"]["fields"][0]["field"], "currency");
}

fn sf() -> Value {
    json!({"name": "Ada", "line1": "1 Market St", "city": "San Francisco", "state": "CA",
           "postal_code": "94105", "country": "US"})
}

async fn calc(app: &TestApp, path: &str, body: Value, session: &str) -> reqwest::Response {
    call(
        app,
        Method::POST,
        &format!("/api/v1/checkout/{path}"),
        Some(body),
        Some(session),
        None,
    )
    .await
}

async fn the_calculators_quote_from_the_shipped_defaults(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, jacket) = product(&app, &admin, "JACKET-1", "USD", 5_000, 10).await;
    let (_, serum) = product(&app, &admin, "SERUM-KR", "KRW", 30_000, 10).await;
    let s = "sess-calc-00001";
    let cart = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": jacket, "quantity": 1})),
            Some(s),
            None,
        )
        .await,
        201,
    )
    .await;
    let cart_id = cart["id"].as_str().expect("id").to_owned();

    // US: standard, express and overnight; 0.8 kg is one started kilo.
    let methods = json_of(
        calc(
            &app,
            "shipping-methods",
            json!({"cart_id": cart_id, "shipping_address": sf()}),
            s,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(methods["currency"], "USD");
    let offered: Vec<(String, i64)> = methods["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .map(|m| {
            (
                m["code"].as_str().expect("code").to_owned(),
                m["price"].as_i64().expect("price"),
            )
        })
        .collect();
    assert_eq!(
        offered,
        [
            ("standard".into(), 599 + 100),
            ("express".into(), 1_499 + 200),
            ("overnight".into(), 2_999 + 400)
        ]
    );
    assert_eq!(methods["methods"][0]["estimated_days"], "3-7");

    let cost = json_of(
        calc(
            &app,
            "shipping-cost",
            json!({"cart_id": cart_id, "shipping_address": sf(), "shipping_method": "express"}),
            s,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (cost["method"].as_str(), cost["shipping_total"].as_i64()),
        (Some("express"), Some(1_699))
    );

    // California: 7.25 % of 50.00 = 3.625 → 3.63; shipping is not taxed there.
    let tax = json_of(
        calc(
            &app,
            "tax",
            json!({"cart_id": cart_id, "shipping_address": sf(), "shipping_method": "standard"}),
            s,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(tax["tax_total"], 363);
    assert_eq!(tax["lines"], json!([{"variant_id": jacket, "tax": 363}]));
    assert_eq!(tax["shipping_tax"], 0);
    // New York taxes shipping: 4 % of 50.00 + 4 % of 6.99 = 2.00 + 0.28.
    let ny = json!({"country": "US", "state": "NY", "city": "New York", "postal_code": "10001"});
    let tax = json_of(
        calc(
            &app,
            "tax",
            json!({"cart_id": cart_id, "shipping_address": ny, "shipping_method": "standard"}),
            s,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (tax["tax_total"].as_i64(), tax["shipping_tax"].as_i64()),
        (Some(228), Some(28))
    );

    // Loose items in KRW to Seoul: same-day is offered there, not in Busan; 10 % VAT.
    let seoul = json!({"country": "KR", "city": "Seoul", "postal_code": "04524"});
    let busan = json!({"country": "KR", "city": "Busan", "postal_code": "48058"});
    let items = json!([{"variant_id": serum, "quantity": 2}]);
    let kr = json_of(
        calc(
            &app,
            "shipping-methods",
            json!({"cart_items": items, "shipping_address": seoul}),
            s,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(kr["currency"], "KRW");
    let codes = |v: &Value| {
        v["methods"]
            .as_array()
            .expect("methods")
            .iter()
            .map(|m| m["code"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        codes(&kr),
        [json!("standard"), json!("express"), json!("same_day")]
    );
    assert_eq!(
        kr["methods"][0]["price"], 0,
        "₩60,000 is over the free-shipping threshold"
    );
    let busan_methods = json_of(
        calc(
            &app,
            "shipping-methods",
            json!({"cart_items": items, "shipping_address": busan}),
            s,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(codes(&busan_methods), [json!("standard"), json!("express")]);
    let tax = json_of(
        calc(
            &app,
            "tax",
            json!({"cart_items": items, "shipping_address": busan}),
            s,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(tax["tax_total"], 6_000);
    // Spec §17: Korea has no exemption by a tax id alone.
    let tax = json_of(
        calc(
            &app,
            "tax",
            json!({"cart_items": items, "shipping_address": busan, "tax_id": "123-45-67890"}),
            s,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(tax["tax_total"], 6_000, "a tax id exempts nobody in Korea");
    let same_day = calc(
        &app,
        "shipping-cost",
        json!({"cart_items": items, "shipping_address": busan, "shipping_method": "same_day"}),
        s,
    )
    .await;
    error_body(same_day, 422, "shipping_unavailable").await;
}

async fn calculator_input_gets_the_specs_errors(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, v) = product(&app, &admin, "ERR-1", "USD", 1_000, 10).await;
    let s = "sess-calc-errors";
    let items = json!([{"variant_id": v, "quantity": 1}]);
    let bad_zip = json!({"country": "US", "state": "CA", "postal_code": "9410"});
    let res = calc(
        &app,
        "tax",
        json!({"cart_items": items, "shipping_address": bad_zip}),
        s,
    )
    .await;
    let body = error_body(res, 422, "invalid_postal_code").await;
    assert_eq!(
        body["details"]["fields"][0]["field"],
        "shipping_address.postal_code"
    );
    let kr_zip = json!({"country": "KR", "postal_code": "045241"});
    error_body(
        calc(
            &app,
            "shipping-methods",
            json!({"cart_items": items, "shipping_address": kr_zip}),
            s,
        )
        .await,
        422,
        "invalid_postal_code",
    )
    .await;
    let no_state = json!({"country": "US", "postal_code": "94105"});
    error_body(
        calc(
            &app,
            "tax",
            json!({"cart_items": items, "shipping_address": no_state}),
            s,
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    let nowhere = json!({"country": "BR", "postal_code": "01310-100"});
    let res = calc(
        &app,
        "shipping-cost",
        json!({"cart_items": items, "shipping_address": nowhere, "shipping_method": "standard"}),
        s,
    )
    .await;
    error_body(res, 422, "shipping_unavailable").await;
    let none = json_of(
        calc(
            &app,
            "shipping-methods",
            json!({"cart_items": items, "shipping_address": nowhere}),
            s,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(none["methods"], json!([]), "no zone covers Brazil");
    error_body(
        calc(&app, "tax", json!({"shipping_address": sf()}), s).await,
        422,
        "validation_error",
    )
    .await;
    error_body(
        calc(
            &app,
            "tax",
            json!({"cart_items": [{"variant_id": v, "quantity": 0}], "shipping_address": sf()}),
            s,
        )
        .await,
        422,
        "quantity_invalid",
    )
    .await;
    error_body(calc(&app, "tax", json!({"cart_items": [{"variant_id": uuid::Uuid::new_v4(), "quantity": 1}], "shipping_address": sf()}), s).await, 400, "invalid_product").await;
    error_body(
        calc(
            &app,
            "tax",
            json!({"cart_id": uuid::Uuid::new_v4(), "shipping_address": sf()}),
            s,
        )
        .await,
        404,
        "cart_not_found",
    )
    .await;
    error_body(
        calc(
            &app,
            "tax",
            json!({"cart_items": items, "shipping_address": sf(), "discount_code": "NOPE"}),
            s,
        )
        .await,
        400,
        "discount_invalid",
    )
    .await;
}

async fn admins_manage_discount_codes(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let customer = app.customer("shopper@example.com").await.access;
    let body = json!({"code": "welcome10", "type": "fixed_amount", "value": 1000, "currency": "USD",
                      "minimum_order_amount": 5000, "usage_limit": 100, "usage_limit_per_customer": 1,
                      "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z", "is_active": true});
    error_body(
        app.post("/api/v1/admin/discounts", &body, Some(&customer))
            .await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        app.post("/api/v1/admin/discounts", &body, None).await,
        401,
        "authentication_required",
    )
    .await;
    let created = json_of(
        app.post("/api/v1/admin/discounts", &body, Some(&admin))
            .await,
        201,
    )
    .await;
    assert_eq!(created["code"], "WELCOME10");
    assert_eq!(
        (
            created["type"].as_str(),
            created["value"].as_i64(),
            created["times_used"].as_i64()
        ),
        (Some("fixed_amount"), Some(1_000), Some(0))
    );
    let id = created["id"].as_str().expect("id").to_owned();
    error_body(
        app.post("/api/v1/admin/discounts", &body, Some(&admin))
            .await,
        409,
        "code_taken",
    )
    .await;

    let bad = json!({"code": "bad code", "type": "fixed_amount", "value": -5});
    let err = error_body(
        app.post("/api/v1/admin/discounts", &bad, Some(&admin))
            .await,
        422,
        "validation_error",
    )
    .await;
    let fields: Vec<&str> = err["details"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["code", "value", "currency"]);
    error_body(
        app.post(
            "/api/v1/admin/discounts",
            &json!({"code": "X1", "type": "bogus", "value": 1}),
            Some(&admin),
        )
        .await,
        422,
        "validation_error",
    )
    .await;

    let patched = json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/admin/discounts/{id}"),
            &json!({"is_active": false, "value": 1500}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            patched["is_active"].as_bool(),
            patched["value"].as_i64(),
            patched["code"].as_str()
        ),
        (Some(false), Some(1_500), Some("WELCOME10"))
    );
    let bad_window = json!({"ends_at": "2025-01-01T00:00:00Z"});
    error_body(
        app.send(
            Method::PATCH,
            &format!("/api/v1/admin/discounts/{id}"),
            &bad_window,
            Some(&admin),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    let fetched = json_of(
        app.get(&format!("/api/v1/admin/discounts/{id}"), Some(&admin))
            .await,
        200,
    )
    .await;
    assert_eq!(fetched["value"], 1_500);
    json_of(
        app.post(
            "/api/v1/admin/discounts",
            &json!({"code": "SECOND", "type": "percentage", "value": 5}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    let page = json_of(
        app.get("/api/v1/admin/discounts?page_size=1", Some(&admin))
            .await,
        200,
    )
    .await;
    assert_eq!(
        (page["total"].as_i64(), page["has_next"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(page["items"][0]["code"], "SECOND", "newest first");
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/api/v1/admin/discounts/{id}"),
            &json!({}),
            Some(&admin)
        )
        .await
        .status(),
        204
    );
    error_body(
        app.get(&format!("/api/v1/admin/discounts/{id}"), Some(&admin))
            .await,
        404,
        "not_found",
    )
    .await;
    error_body(
        app.get("/api/v1/admin/discounts/nope", Some(&admin)).await,
        422,
        "validation_error",
    )
    .await;
}

async fn admins_manage_tax_rates_and_shipping_zones(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let rates = json_of(
        app.get("/api/v1/admin/tax-rates?page_size=100", Some(&admin))
            .await,
        200,
    )
    .await;
    assert!(
        rates["total"].as_i64().expect("total") >= 80,
        "the shipped defaults are installed"
    );

    // Canada is not in the defaults: add a tax rate and a zone, then quote there.
    let gst = json_of(
        app.post(
            "/api/v1/admin/tax-rates",
            &json!({"country": "ca", "name": "GST", "rate": "5", "tax_shipping": true}),
            Some(&admin),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        (
            gst["country"].as_str(),
            gst["rate"].as_str(),
            gst["state"].is_null()
        ),
        (Some("CA"), Some("5"), true)
    );
    error_body(
        app.post(
            "/api/v1/admin/tax-rates",
            &json!({"country": "CA", "name": "dup", "rate": "5"}),
            Some(&admin),
        )
        .await,
        409,
        "tax_rate_taken",
    )
    .await;
    error_body(
        app.post(
            "/api/v1/admin/tax-rates",
            &json!({"country": "CA", "state": "ON", "name": "HST", "rate": 13}),
            Some(&admin),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    error_body(
        app.post(
            "/api/v1/admin/tax-rates",
            &json!({"country": "CA", "state": "ON", "name": "HST", "rate": "130"}),
            Some(&admin),
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    let gst_id = gst["id"].as_str().expect("id").to_owned();
    let patched = json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/admin/tax-rates/{gst_id}"),
            &json!({"rate": "5.5"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (patched["rate"].as_str(), patched["name"].as_str()),
        (Some("5.5"), Some("GST"))
    );

    let zone = json!({"name": "Canada", "countries": ["CA"], "methods": [
        {"code": "standard", "name": "Canada Post", "estimated_days_min": 4, "estimated_days_max": 8,
         "rates": [{"currency": "USD", "base": 1200, "per_kg": 300}]}]});
    let created = json_of(
        app.post("/api/v1/admin/shipping-zones", &zone, Some(&admin))
            .await,
        201,
    )
    .await;
    let zone_id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["methods"][0]["code"], "standard");
    let bad_zone = json!({"name": "", "countries": ["Canada"], "methods": [{"code": "Bad Code", "name": "x", "estimated_days_min": 5, "estimated_days_max": 1, "rates": [{"currency": "USD", "base": -1}]}]});
    let err = error_body(
        app.post("/api/v1/admin/shipping-zones", &bad_zone, Some(&admin))
            .await,
        422,
        "validation_error",
    )
    .await;
    assert!(err["details"]["fields"].as_array().expect("fields").len() >= 4);

    let (_, v) = product(&app, &admin, "CA-1", "USD", 10_000, 5).await;
    let toronto =
        json!({"country": "CA", "state": "ON", "city": "Toronto", "postal_code": "m5v 2t6"});
    let s = "sess-admin-calc1";
    let items = json!([{"variant_id": v, "quantity": 1}]);
    let cost = json_of(calc(&app, "shipping-cost", json!({"cart_items": items, "shipping_address": toronto, "shipping_method": "standard"}), s).await, 200).await;
    assert_eq!(cost["shipping_total"], 1_200 + 300);
    // 5.5 % of 100.00 and of 15.00 shipping.
    let tax = json_of(calc(&app, "tax", json!({"cart_items": items, "shipping_address": toronto, "shipping_method": "standard"}), s).await, 200).await;
    assert_eq!(
        (tax["tax_total"].as_i64(), tax["shipping_tax"].as_i64()),
        (Some(550 + 83), Some(83))
    );

    let renamed = json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/admin/shipping-zones/{zone_id}"),
            &json!({"name": "Canada (all)"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (
            renamed["name"].as_str(),
            renamed["methods"][0]["name"].as_str()
        ),
        (Some("Canada (all)"), Some("Canada Post"))
    );
    json_of(
        app.get(
            &format!("/api/v1/admin/shipping-zones/{zone_id}"),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    let zones = json_of(
        app.get("/api/v1/admin/shipping-zones", Some(&admin)).await,
        200,
    )
    .await;
    assert_eq!(zones["total"], 5);
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/api/v1/admin/shipping-zones/{zone_id}"),
            &json!({}),
            Some(&admin)
        )
        .await
        .status(),
        204
    );
    assert_eq!(
        app.send(
            Method::DELETE,
            &format!("/api/v1/admin/tax-rates/{gst_id}"),
            &json!({}),
            Some(&admin)
        )
        .await
        .status(),
        204
    );
    error_body(
        app.get(&format!("/api/v1/admin/tax-rates/{gst_id}"), Some(&admin))
            .await,
        404,
        "not_found",
    )
    .await;
    let res = calc(
        &app,
        "shipping-cost",
        json!({"cart_items": items, "shipping_address": toronto, "shipping_method": "standard"}),
        s,
    )
    .await;
    error_body(res, 422, "shipping_unavailable").await;
    let customer = app.customer("nosy@example.com").await.access;
    error_body(
        app.get("/api/v1/admin/tax-rates", Some(&customer)).await,
        403,
        "forbidden",
    )
    .await;
}
