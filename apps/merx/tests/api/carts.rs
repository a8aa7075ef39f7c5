//! Spec §4 over HTTP: guest and user carts, the current-cart shortcuts, ownership, errors,
//! merging on login, discounts on carts, and concurrent adds.

use std::sync::Arc;

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::{Store, TestApp, error_body, json_of, spawn_app, start};

both_stores!(
    a_guest_cart_belongs_to_its_session_and_is_priced_live,
    lines_add_up_change_and_go,
    bad_cart_input_gets_the_specs_errors,
    the_current_cart_is_made_on_first_add_and_merged_on_login,
    discount_codes_apply_to_carts_with_the_specs_errors,
    concurrent_adds_to_one_line_lose_no_update,
    a_product_in_a_cart_is_archived_not_erased,
);

const SESSION: &str = "X-Session-ID";

/// An admin deletes a product: 204 whether it is deleted or archived.
pub async fn delete_product(app: &TestApp, admin: &str, pid: &str) {
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/products/{pid}"),
            &json!({}),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), 204);
}

/// Creates an active product and returns (product id, first variant id).
pub async fn product(
    app: &TestApp,
    admin: &str,
    sku: &str,
    currency: &str,
    price: i64,
    stock: i64,
) -> (String, String) {
    let res = app
        .post(
            "/api/v1/products",
            &json!({"name": format!("Product {sku}"), "status": "active", "currency": currency,
                    "images": [{"url": format!("https://cdn.example/{sku}.jpg")}],
                    "variants": [{"sku": sku, "name": "Default", "price": price, "inventory_count": stock,
                                  "weight_grams": 800}]}),
            Some(admin),
        )
        .await;
    assert_eq!(res.status(), 201, "product {sku}");
    let body: Value = res.json().await.expect("json");
    (
        body["id"].as_str().expect("id").to_owned(),
        body["variants"][0]["id"]
            .as_str()
            .expect("variant")
            .to_owned(),
    )
}

/// A request with an optional session header and bearer token.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    session: Option<&str>,
    token: Option<&str>,
) -> Response {
    let mut req = app.request(method, path);
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(s) = session {
        req = req.header(SESSION, s);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("sent")
}

async fn a_guest_cart_belongs_to_its_session_and_is_priced_live(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "TEE-1", "USD", 2_500, 10).await;

    let res = call(&app, Method::POST, "/api/v1/carts", None, None, None).await;
    let session = res
        .headers()
        .get(SESSION)
        .and_then(|v| v.to_str().ok())
        .expect("a new guest gets a session id")
        .to_owned();
    let cart = json_of(res, 201).await;
    assert_eq!(cart["session_id"], session.as_str());
    assert_eq!(cart["currency"], "USD");
    assert_eq!(cart["items"], json!([]));
    let id = cart["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/carts/{id}");

    let meta =
        json!({"source": "3d_experience", "scene": {"camera": [0, 1.5, 4], "model": "tee.glb"}});
    let cart = json_of(
        call(
            &app,
            Method::POST,
            &format!("{path}/items"),
            Some(json!({"variant_id": vid, "quantity": 2, "metadata": meta})),
            Some(&session),
            None,
        )
        .await,
        201,
    )
    .await;
    let item = &cart["items"][0];
    assert_eq!(item["product_id"], pid.as_str());
    assert_eq!(item["sku"], "TEE-1");
    assert_eq!(item["name"], "Product TEE-1");
    assert_eq!(item["variant_name"], "Default");
    assert_eq!(item["image_url"], "https://cdn.example/TEE-1.jpg");
    assert_eq!(item["unit_price"], 2_500);
    assert_eq!(item["line_total"], 5_000);
    assert_eq!(item["available"], true);
    assert_eq!(item["metadata"], meta);
    assert_eq!(
        (cart["item_count"].as_i64(), cart["subtotal"].as_i64()),
        (Some(2), Some(5_000))
    );
    assert_eq!(
        (
            cart["discount"].as_i64(),
            cart["tax"].as_i64(),
            cart["shipping"].as_i64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(cart["total"], 5_000);
    assert!(cart["expires_at"].as_str().is_some());

    // Only the owner (or an admin) sees it.
    json_of(
        call(&app, Method::GET, &path, None, Some(&session), None).await,
        200,
    )
    .await;
    error_body(
        call(&app, Method::GET, &path, None, None, None).await,
        404,
        "cart_not_found",
    )
    .await;
    error_body(
        call(
            &app,
            Method::GET,
            &path,
            None,
            Some("sess-someone-else"),
            None,
        )
        .await,
        404,
        "cart_not_found",
    )
    .await;
    let stranger = app.customer("stranger@example.com").await.access;
    error_body(
        call(&app, Method::GET, &path, None, None, Some(&stranger)).await,
        404,
        "cart_not_found",
    )
    .await;
    json_of(
        call(&app, Method::GET, &path, None, None, Some(&admin)).await,
        200,
    )
    .await;

    // Prices are live: a price change shows in the cart at once.
    let res = app
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{pid}/variants/{vid}"),
            &json!({"price": 2_000}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 200);
    let cart = json_of(
        call(&app, Method::GET, &path, None, Some(&session), None).await,
        200,
    )
    .await;
    assert_eq!(cart["items"][0]["unit_price"], 2_000);
    assert_eq!(cart["total"], 4_000);

    // A signed-in user's cart belongs to the user.
    let user = app.customer("owner@example.com").await.access;
    let mine = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/carts",
            Some(json!({"currency": "KRW"})),
            None,
            Some(&user),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(mine["currency"], "KRW");
    assert!(mine["user_id"].as_str().is_some() && mine["session_id"].is_null());
    let mine_path = format!("/api/v1/carts/{}", mine["id"].as_str().expect("id"));
    error_body(
        call(&app, Method::GET, &mine_path, None, Some(&session), None).await,
        404,
        "cart_not_found",
    )
    .await;
    json_of(
        call(&app, Method::GET, &mine_path, None, None, Some(&user)).await,
        200,
    )
    .await;
}

async fn lines_add_up_change_and_go(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, a) = product(&app, &admin, "MUG-1", "USD", 1_200, 20).await;
    let (pb, b) = product(&app, &admin, "CAP-1", "USD", 1_800, 20).await;
    let s = "sess-lines-0001";
    let add = |body: Value| {
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(body),
            Some(s),
            None,
        )
    };

    json_of(add(json!({"variant_id": a, "quantity": 1})).await, 201).await;
    json_of(add(json!({"variant_id": a, "quantity": 2})).await, 201).await;
    // A single-variant product may be added by product id; quantity defaults to 1.
    let cart = json_of(add(json!({"product_id": pb})).await, 201).await;
    let items = cart["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "the same variant stays one line");
    assert_eq!(items[0]["quantity"], 3);
    assert_eq!(items[1]["variant_id"], b.as_str());
    assert_eq!(cart["subtotal"], 3 * 1_200 + 1_800);
    let id = cart["id"].as_str().expect("id").to_owned();
    let line_a = items[0]["id"].as_str().expect("item").to_owned();
    let line_b = items[1]["id"].as_str().expect("item").to_owned();

    let cart = json_of(
        call(
            &app,
            Method::PATCH,
            &format!("/api/v1/carts/{id}/items/{line_a}"),
            Some(json!({"quantity": 5})),
            Some(s),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cart["items"][0]["quantity"], 5);
    let cart = json_of(
        call(
            &app,
            Method::PATCH,
            &format!("/api/v1/cart/items/{line_b}"),
            Some(json!({"quantity": 0})),
            Some(s),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        cart["items"].as_array().map(Vec::len),
        Some(1),
        "0 removes the line"
    );
    error_body(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/cart/items/{line_b}"),
            None,
            Some(s),
            None,
        )
        .await,
        404,
        "not_found",
    )
    .await;
    let cart = json_of(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/carts/{id}/items/{line_a}"),
            None,
            Some(s),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cart["items"], json!([]));
    json_of(add(json!({"variant_id": a, "quantity": 2})).await, 201).await;
    let cart = json_of(
        call(&app, Method::DELETE, "/api/v1/cart", None, Some(s), None).await,
        200,
    )
    .await;
    assert_eq!(
        (cart["items"].clone(), cart["total"].clone()),
        (json!([]), json!(0))
    );
    assert_eq!(cart["id"], id.as_str(), "clearing keeps the cart");
    let cart = json_of(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/carts/{id}"),
            None,
            Some(s),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cart["item_count"], 0);
}

async fn bad_cart_input_gets_the_specs_errors(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, usd) = product(&app, &admin, "SV-C-30", "USD", 3_000, 1).await;
    let (_, krw) = product(&app, &admin, "HAIR-1", "KRW", 30_000, 5).await;
    let draft = app
        .post("/api/v1/products", &json!({"name": "Draft", "currency": "USD", "price": 100, "sku": "DRAFT-1", "inventory_count": 5}), Some(&admin))
        .await;
    let draft: Value = draft.json().await.expect("json");
    let draft_variant = draft["variants"][0]["id"]
        .as_str()
        .expect("variant")
        .to_owned();
    let s = "sess-errors-001";
    let cart = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/carts",
            Some(json!({"currency": "USD"})),
            Some(s),
            None,
        )
        .await,
        201,
    )
    .await;
    let items = format!("/api/v1/carts/{}/items", cart["id"].as_str().expect("id"));
    let add = |body: Value| call(&app, Method::POST, &items, Some(body), Some(s), None);

    for quantity in [json!(0), json!(100), json!(-1), json!("two"), json!(1.5)] {
        error_body(
            add(json!({"variant_id": usd, "quantity": quantity})).await,
            422,
            "quantity_invalid",
        )
        .await;
    }
    error_body(
        add(json!({"variant_id": uuid::Uuid::new_v4(), "quantity": 1})).await,
        400,
        "invalid_product",
    )
    .await;
    error_body(
        add(json!({"variant_id": draft_variant, "quantity": 1})).await,
        400,
        "invalid_product",
    )
    .await;
    error_body(
        add(json!({"variant_id": krw, "quantity": 1})).await,
        400,
        "invalid_product",
    )
    .await;
    error_body(add(json!({"quantity": 1})).await, 422, "validation_error").await;
    let short = error_body(
        add(json!({"variant_id": usd, "quantity": 2})).await,
        409,
        "insufficient_inventory",
    )
    .await;
    assert_eq!(short["details"]["sku"], "SV-C-30");
    assert_eq!(short["details"]["available_quantity"], 1);
    assert_eq!(short["details"]["requested_quantity"], 2);
    assert_eq!(short["message"], "Only 1 left of SKU SV-C-30");
    error_body(
        add(json!({"variant_id": usd, "metadata": {"bad": "nul\u{0}"}})).await,
        422,
        "validation_error",
    )
    .await;
    error_body(
        call(
            &app,
            Method::GET,
            "/api/v1/carts/not-a-uuid",
            None,
            Some(s),
            None,
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    error_body(
        call(
            &app,
            Method::GET,
            "/api/v1/cart",
            None,
            Some("bad session!"),
            None,
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    error_body(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/carts/{}", uuid::Uuid::new_v4()),
            None,
            Some(s),
            None,
        )
        .await,
        404,
        "cart_not_found",
    )
    .await;
    error_body(
        call(
            &app,
            Method::POST,
            "/api/v1/carts",
            Some(json!({"currency": "XYZ"})),
            Some(s),
            None,
        )
        .await,
        422,
        "validation_error",
    )
    .await;
    let res = app
        .request(Method::POST, &items)
        .header(SESSION, s)
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .expect("sent");
    error_body(res, 400, "bad_request").await;

    // The line maximum is 99, also when adding to an existing line (untracked stock here).
    let (_, many) = product(&app, &admin, "BULK-1", "USD", 10, 1_000).await;
    json_of(add(json!({"variant_id": many, "quantity": 98})).await, 201).await;
    error_body(
        add(json!({"variant_id": many, "quantity": 2})).await,
        422,
        "quantity_invalid",
    )
    .await;
}

async fn the_current_cart_is_made_on_first_add_and_merged_on_login(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, a) = product(&app, &admin, "SHOE-1", "USD", 9_000, 4).await;
    let (_, b) = product(&app, &admin, "SOCK-1", "USD", 900, 50).await;

    error_body(
        call(&app, Method::GET, "/api/v1/cart", None, None, None).await,
        404,
        "cart_not_found",
    )
    .await;
    let res = call(
        &app,
        Method::POST,
        "/api/v1/cart/items",
        Some(json!({"variant_id": a, "quantity": 3})),
        None,
        None,
    )
    .await;
    let session = res
        .headers()
        .get(SESSION)
        .and_then(|v| v.to_str().ok())
        .expect("session made")
        .to_owned();
    let guest = json_of(res, 201).await;
    json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": b, "quantity": 2})),
            Some(&session),
            None,
        )
        .await,
        201,
    )
    .await;
    let current = json_of(
        call(
            &app,
            Method::GET,
            "/api/v1/cart",
            None,
            Some(&session),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(current["id"], guest["id"]);
    assert_eq!(current["item_count"], 5);

    // The user already has a cart with 2 of SHOE-1: 2 + 3 is capped by the 4 in stock.
    assert_eq!(
        app.register("merge@example.com", "password-123")
            .await
            .status(),
        201
    );
    let first =
        crate::helpers::Tokens::from(app.login("merge@example.com", "password-123").await).await;
    json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": a, "quantity": 2})),
            None,
            Some(&first.access),
        )
        .await,
        201,
    )
    .await;
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .header(SESSION, &session)
        .json(&json!({"email": "merge@example.com", "password": "password-123"}))
        .send()
        .await
        .expect("sent");
    let token = crate::helpers::Tokens::from(login).await.access;
    let mine = json_of(
        call(&app, Method::GET, "/api/v1/cart", None, None, Some(&token)).await,
        200,
    )
    .await;
    let qty = |sku: &str| {
        mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["sku"] == sku)
            .map(|i| i["quantity"].clone())
    };
    assert_eq!(qty("SHOE-1"), Some(json!(4)), "2 + 3, capped by stock");
    assert_eq!(qty("SOCK-1"), Some(json!(2)));
    error_body(
        call(
            &app,
            Method::GET,
            "/api/v1/cart",
            None,
            Some(&session),
            None,
        )
        .await,
        404,
        "cart_not_found",
    )
    .await;
    let guest_path = format!("/api/v1/carts/{}", guest["id"].as_str().expect("id"));
    error_body(
        call(&app, Method::GET, &guest_path, None, None, Some(&token)).await,
        404,
        "cart_not_found",
    )
    .await;

    // With no cart of their own, the guest cart simply becomes the user's.
    let res = call(
        &app,
        Method::POST,
        "/api/v1/cart/items",
        Some(json!({"variant_id": b, "quantity": 1})),
        Some("sess-second-guest"),
        None,
    )
    .await;
    let second = json_of(res, 201).await;
    assert_eq!(
        app.register("fresh@example.com", "password-123")
            .await
            .status(),
        201
    );
    let login = app
        .request(Method::POST, "/api/v1/auth/login")
        .header(SESSION, "sess-second-guest")
        .json(&json!({"email": "fresh@example.com", "password": "password-123"}))
        .send()
        .await
        .expect("sent");
    let token = crate::helpers::Tokens::from(login).await.access;
    let theirs = json_of(
        call(&app, Method::GET, "/api/v1/cart", None, None, Some(&token)).await,
        200,
    )
    .await;
    assert_eq!(theirs["id"], second["id"]);
    assert!(theirs["user_id"].is_string() && theirs["session_id"].is_null());
}

async fn discount(app: &TestApp, admin: &str, body: Value) -> Value {
    json_of(
        app.post("/api/v1/admin/discounts", &body, Some(admin))
            .await,
        201,
    )
    .await
}

async fn discount_codes_apply_to_carts_with_the_specs_errors(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, serum) = product(&app, &admin, "SERUM-JO", "JOD", 5_900, 10).await;
    discount(
        &app,
        &admin,
        json!({"code": "save20", "type": "percentage", "value": 20}),
    )
    .await;
    discount(
        &app,
        &admin,
        json!({"code": "OLD", "type": "percentage", "value": 10,
        "starts_at": "2020-01-01T00:00:00Z", "ends_at": "2020-02-01T00:00:00Z"}),
    )
    .await;
    discount(
        &app,
        &admin,
        json!({"code": "BIGSPEND", "type": "fixed_amount", "value": 1000, "currency": "JOD",
        "minimum_order_amount": 10000}),
    )
    .await;
    discount(
        &app,
        &admin,
        json!({"code": "PAUSED", "type": "percentage", "value": 5, "is_active": false}),
    )
    .await;

    let s = "sess-discount-01";
    let cart = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": serum})),
            Some(s),
            None,
        )
        .await,
        201,
    )
    .await;
    let cart_id = cart["id"].as_str().expect("id").to_owned();
    let apply = |code: &str| {
        call(
            &app,
            Method::POST,
            "/api/v1/checkout/discount",
            Some(json!({"cart_id": cart_id, "discount_code": code})),
            Some(s),
            None,
        )
    };
    error_body(apply("NOPE").await, 400, "discount_invalid").await;
    error_body(apply("PAUSED").await, 400, "discount_invalid").await;
    error_body(apply("OLD").await, 410, "discount_expired").await;
    let min = error_body(apply("BIGSPEND").await, 422, "discount_minimum_not_met").await;
    assert_eq!(min["details"]["minimum_order_amount"], 10_000);

    // The seeds' figure: SAVE20 on 5.900 JOD takes 1.180 off. Codes match case-insensitively.
    let cart = json_of(apply("Save20").await, 200).await;
    assert_eq!(cart["discount_code"], "SAVE20");
    assert_eq!(
        (
            cart["subtotal"].as_i64(),
            cart["discount"].as_i64(),
            cart["total"].as_i64()
        ),
        (Some(5_900), Some(1_180), Some(4_720))
    );
    error_body(apply("SAVE20").await, 409, "discount_already_applied").await;
    // Another caller cannot touch this cart.
    let res = call(
        &app,
        Method::POST,
        "/api/v1/checkout/discount",
        Some(json!({"cart_id": cart_id, "discount_code": "SAVE20"})),
        Some("sess-intruder-1"),
        None,
    )
    .await;
    error_body(res, 404, "cart_not_found").await;

    let cart = json_of(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/carts/{cart_id}/discount"),
            None,
            Some(s),
            None,
        )
        .await,
        200,
    )
    .await;
    assert!(cart["discount_code"].is_null());
    assert_eq!(cart["discount"], 0);
    json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": serum, "quantity": 1})),
            Some(s),
            None,
        )
        .await,
        201,
    )
    .await;
    let cart = json_of(apply("BIGSPEND").await, 200).await;
    assert_eq!(
        (cart["subtotal"].as_i64(), cart["discount"].as_i64()),
        (Some(11_800), Some(1_000))
    );
}

async fn concurrent_adds_to_one_line_lose_no_update(store: Store) {
    let app = Arc::new(spawn_app(store).await);
    let admin = app.admin().await.access;
    let (_, v) = product(&app, &admin, "RACE-1", "USD", 100, 50).await;
    let s = "sess-concurrent-1";
    let cart = json_of(
        call(&app, Method::POST, "/api/v1/carts", None, Some(s), None).await,
        201,
    )
    .await;
    let items = format!("/api/v1/carts/{}/items", cart["id"].as_str().expect("id"));
    let adds: Vec<_> = (0..20)
        .map(|_| {
            let (app, items, v) = (app.clone(), items.clone(), v.clone());
            tokio::spawn(async move {
                call(
                    &app,
                    Method::POST,
                    &items,
                    Some(json!({"variant_id": v, "quantity": 1})),
                    Some(s),
                    None,
                )
                .await
                .status()
                .as_u16()
            })
        })
        .collect();
    for a in adds {
        assert_eq!(a.await.expect("joined"), 201);
    }
    let cart = json_of(
        call(
            &app,
            Method::GET,
            &format!("/api/v1/carts/{}", cart["id"].as_str().expect("id")),
            None,
            Some(s),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cart["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(cart["items"][0]["quantity"], 20, "no add was lost");
}

async fn a_product_in_a_cart_is_archived_not_erased(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, v) = product(&app, &admin, "KEEP-1", "USD", 500, 5).await;
    let (gone, _) = product(&app, &admin, "GONE-1", "USD", 500, 5).await;
    let s = "sess-archive-01";
    json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": v, "quantity": 1})),
            Some(s),
            None,
        )
        .await,
        201,
    )
    .await;
    delete_product(&app, &admin, &pid).await;
    let kept = json_of(
        app.get(&format!("/api/v1/products/{pid}"), Some(&admin))
            .await,
        200,
    )
    .await;
    assert_eq!(
        kept["status"], "archived",
        "a product a cart holds is archived"
    );
    let cart = json_of(
        call(&app, Method::GET, "/api/v1/cart", None, Some(s), None).await,
        200,
    )
    .await;
    assert_eq!(cart["items"][0]["available"], false, "its line is flagged");
    assert_eq!(cart["subtotal"], 0, "and no longer priced");
    let res = app
        .send(
            Method::DELETE,
            &format!("/api/v1/products/{gone}"),
            &json!({}),
            Some(&admin),
        )
        .await;
    assert_eq!(res.status(), 204);
    error_body(
        app.get(&format!("/api/v1/products/{gone}"), Some(&admin))
            .await,
        404,
        "product_not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn carts_survive_a_restart_and_two_instances_see_the_same_cart() {
    let first = spawn_app(Store::Postgres).await;
    let admin = first.admin().await.access;
    let (_, v) = product(&first, &admin, "DURABLE-1", "USD", 700, 9).await;
    let s = "sess-durable-01";
    let cart = json_of(
        call(
            &first,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": v, "quantity": 2})),
            Some(s),
            None,
        )
        .await,
        201,
    )
    .await;
    let second = start(first.config.clone(), first.db.clone()).await;
    json_of(
        call(
            &second,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": v, "quantity": 1})),
            Some(s),
            None,
        )
        .await,
        201,
    )
    .await;
    let seen = json_of(
        call(&first, Method::GET, "/api/v1/cart", None, Some(s), None).await,
        200,
    )
    .await;
    assert_eq!(seen["id"], cart["id"]);
    assert_eq!(seen["items"][0]["quantity"], 3);
    let (config, db) = (first.config.clone(), first.db.clone());
    drop((first, second));
    let restarted = start(config, db).await;
    let after = json_of(
        call(&restarted, Method::GET, "/api/v1/cart", None, Some(s), None).await,
        200,
    )
    .await;
    assert_eq!(after["items"][0]["quantity"], 3);
}
