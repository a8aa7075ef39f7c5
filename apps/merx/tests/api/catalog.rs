//! Spec §3 over HTTP: products, variants, filters, sorting, paging, admin rules, stock.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::helpers::{Store, TestApp, error_body, spawn_app};

both_stores!(
    an_admin_creates_a_product_with_variants_and_stock,
    a_simple_product_gets_one_default_variant,
    slugs_are_derived_unique_and_clashing_chosen_slugs_or_skus_conflict,
    the_public_sees_active_products_only,
    every_filter_narrows_the_list,
    search_matches_names_descriptions_and_skus_in_any_script,
    sorting_and_paging_follow_the_query,
    bad_catalog_input_is_a_422_never_a_500,
    only_admins_change_the_catalog,
    products_are_patched_partially_and_deleted,
    variants_are_added_changed_and_removed_but_never_the_last,
    stock_is_set_or_changed_never_below_zero_and_audited,
    catalog_edits_show_at_once_and_other_reads_may_be_cached,
);

async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let res = app.post("/api/v1/products", body, Some(token)).await;
    assert_eq!(res.status(), 201, "create {body}");
    res.json().await.expect("json")
}

fn hoodie() -> Value {
    json!({
        "name": "Classic Hoodie", "status": "active", "currency": "USD", "category": "Outerwear",
        "tags": ["Cotton", "winter"], "is_featured": true, "description": "Heavyweight fleece hoodie",
        "images": [{"url": "https://cdn.example/hoodie.jpg", "alt_text": "Hoodie"}],
        "attributes": {"material": "cotton"},
        "variants": [
            {"sku": "HD-BLK-M", "options": {"size": "M", "color": "Black"}, "price": 6500, "compare_at_price": 8000,
             "cost_price": 2100, "inventory_count": 10},
            {"sku": "HD-BLK-L", "options": {"size": "L", "color": "Black"}, "price": 5900, "inventory_count": 0}
        ]
    })
}

async fn list(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    let res = app.get(&format!("/api/v1/products{query}"), token).await;
    assert_eq!(res.status(), 200, "GET /products{query}");
    res.json().await.expect("json")
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect()
}

async fn an_admin_creates_a_product_with_variants_and_stock(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let p = create(&app, &admin.access, &hoodie()).await;
    assert_eq!(p["slug"], "classic-hoodie");
    assert_eq!(p["category"], "outerwear");
    assert_eq!(p["tags"], json!(["cotton", "winter"]));
    assert_eq!(p["currency"], "USD");
    assert_eq!(p["price"], 5900, "the lowest variant price");
    assert_eq!(p["is_in_stock"], true);
    assert_eq!(p["variants"].as_array().expect("variants").len(), 2);
    let m = &p["variants"][0];
    assert_eq!(
        (
            m["inventory_count"].as_i64(),
            m["available"].as_i64(),
            m["cost_price"].as_i64()
        ),
        (Some(10), Some(10), Some(2100))
    );
    assert_eq!(m["name"], "Black / M");
    assert_eq!(p["attributes"]["material"], "cotton");

    let id = p["id"].as_str().expect("id");
    let public: Value = app
        .get(&format!("/api/v1/products/{id}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(public["name"], "Classic Hoodie");
    assert!(
        public["variants"][0].get("cost_price").is_none(),
        "cost price is for admins"
    );
    let by_slug = app.get("/api/v1/products/slug/classic-hoodie", None).await;
    assert_eq!(by_slug.status(), 200);
}

async fn a_simple_product_gets_one_default_variant(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let body = json!({"name": "Vitamin C Serum", "status": "active", "currency": "JOD", "price": 5900, "sku": "SV-C-30", "inventory_count": 3});
    let p = create(&app, &admin.access, &body).await;
    let variants = p["variants"].as_array().expect("variants");
    assert_eq!(variants.len(), 1);
    assert_eq!(
        (variants[0]["sku"].as_str(), variants[0]["price"].as_i64()),
        (Some("SV-C-30"), Some(5900))
    );
    assert_eq!(
        p["is_low_stock"], true,
        "3 is at or below the default threshold of 5"
    );
    let missing = json!({"name": "No price", "currency": "USD"});
    let body = error_body(
        app.post("/api/v1/products", &missing, Some(&admin.access))
            .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "variants");
}

async fn slugs_are_derived_unique_and_clashing_chosen_slugs_or_skus_conflict(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let one = json!({"name": "Tote Bag", "price": 100, "sku": "TOTE-1"});
    let two = json!({"name": "Tote Bag", "price": 100, "sku": "TOTE-2"});
    assert_eq!(create(&app, &admin.access, &one).await["slug"], "tote-bag");
    assert_eq!(
        create(&app, &admin.access, &two).await["slug"],
        "tote-bag-2"
    );
    let korean =
        json!({"name": "우화해 헤어 오일", "price": 32000, "currency": "KRW", "sku": "WHH-OIL"});
    assert_eq!(
        create(&app, &admin.access, &korean).await["slug"],
        "우화해-헤어-오일"
    );
    let chosen = json!({"name": "Another", "slug": "tote-bag", "price": 100, "sku": "TOTE-3"});
    error_body(
        app.post("/api/v1/products", &chosen, Some(&admin.access))
            .await,
        409,
        "slug_taken",
    )
    .await;
    let sku = json!({"name": "Copy", "price": 100, "sku": "TOTE-1"});
    let body = error_body(
        app.post("/api/v1/products", &sku, Some(&admin.access))
            .await,
        409,
        "sku_taken",
    )
    .await;
    assert_eq!(body["details"]["sku"], "TOTE-1");
    let list = list(&app, "?status=draft", Some(&admin.access)).await;
    assert_eq!(list["total"], 3, "the refused products left nothing behind");
}

async fn the_public_sees_active_products_only(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let draft = create(
        &app,
        &admin.access,
        &json!({"name": "Secret Drop", "price": 100, "sku": "SD-1"}),
    )
    .await;
    assert_eq!(
        draft["status"], "draft",
        "new products are drafts by default"
    );
    create(&app, &admin.access, &hoodie()).await;
    let id = draft["id"].as_str().expect("id");
    error_body(
        app.get(&format!("/api/v1/products/{id}"), None).await,
        404,
        "product_not_found",
    )
    .await;
    error_body(
        app.get("/api/v1/products/slug/secret-drop", None).await,
        404,
        "product_not_found",
    )
    .await;
    let customer = app.customer("shopper@example.com").await;
    error_body(
        app.get(&format!("/api/v1/products/{id}"), Some(&customer.access))
            .await,
        404,
        "product_not_found",
    )
    .await;
    assert_eq!(names(&list(&app, "", None).await), ["Classic Hoodie"]);
    assert_eq!(
        names(&list(&app, "?status=draft", Some(&admin.access)).await),
        ["Secret Drop"]
    );
    assert_eq!(
        list(&app, "", Some(&admin.access)).await["total"],
        2,
        "admins see every status by default"
    );
    let body = error_body(
        app.get("/api/v1/products?status=draft", Some(&customer.access))
            .await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "status");
}

async fn seed_small_catalog(app: &TestApp, token: &str) {
    let products = [
        json!({"name": "Alpha Jacket", "status": "active", "category": "outerwear", "tags": ["winter"], "is_featured": true,
               "price": 12000, "sku": "A-1", "inventory_count": 5}),
        json!({"name": "Beta Tee", "status": "active", "category": "tops", "tags": ["summer"], "price": 2500, "sku": "B-1",
               "inventory_count": 0}),
        json!({"name": "Gamma Scarf", "status": "active", "category": "accessories", "tags": ["winter"], "price": 4000,
               "sku": "G-1", "inventory_count": 40}),
        json!({"name": "Delta Cap", "status": "active", "category": "accessories", "tags": ["summer"], "price": 1500,
               "sku": "D-1", "inventory_count": 0}),
        json!({"name": "헤어 오일", "status": "active", "category": "hair-care", "currency": "KRW", "price": 32000,
               "sku": "K-OIL-100", "inventory_count": 9, "description": "동백 오일 100ml"}),
    ];
    for p in &products {
        create(app, token, p).await;
    }
}

async fn every_filter_narrows_the_list(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    seed_small_catalog(&app, &admin.access).await;
    let by = |q: &'static str| {
        let app = &app;
        async move {
            let mut n = names(&list(app, q, None).await);
            n.sort();
            n
        }
    };
    assert_eq!(
        by("?category=accessories").await,
        ["Delta Cap", "Gamma Scarf"]
    );
    assert_eq!(by("?tag=winter").await, ["Alpha Jacket", "Gamma Scarf"]);
    assert_eq!(
        by("?currency=USD&min_price=2000&max_price=5000").await,
        ["Beta Tee", "Gamma Scarf"]
    );
    assert_eq!(
        by("?in_stock=true&currency=USD").await,
        ["Alpha Jacket", "Gamma Scarf"]
    );
    assert_eq!(by("?in_stock=false").await, ["Beta Tee", "Delta Cap"]);
    assert_eq!(by("?featured=true").await, ["Alpha Jacket"]);
    assert_eq!(
        by("?category=accessories&in_stock=true").await,
        ["Gamma Scarf"]
    );
}

async fn search_matches_names_descriptions_and_skus_in_any_script(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    seed_small_catalog(&app, &admin.access).await;
    assert_eq!(
        names(&list(&app, "?search=JACKET", None).await),
        ["Alpha Jacket"]
    );
    assert_eq!(
        names(&list(&app, "?q=g-1", None).await),
        ["Gamma Scarf"],
        "by SKU, case-insensitive"
    );
    let korean: Value = app
        .request(Method::GET, "/api/v1/products/search")
        .query(&[("q", "오일")])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(names(&korean), ["헤어 오일"]);
    let in_description: Value = app
        .request(Method::GET, "/api/v1/products")
        .query(&[("search", "동백")])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(names(&in_description), ["헤어 오일"]);
    assert_eq!(
        list(&app, "?search=100%25", None).await["total"],
        0,
        "% is literal, not a wildcard"
    );
}

async fn sorting_and_paging_follow_the_query(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    seed_small_catalog(&app, &admin.access).await;
    assert_eq!(
        names(&list(&app, "?currency=USD&sort_by=price&sort_order=asc", None).await),
        ["Delta Cap", "Beta Tee", "Gamma Scarf", "Alpha Jacket"]
    );
    assert_eq!(
        names(&list(&app, "?currency=USD&sort_by=price&sort_order=desc", None).await),
        ["Alpha Jacket", "Gamma Scarf", "Beta Tee", "Delta Cap"]
    );
    assert_eq!(
        names(&list(&app, "?currency=USD&sort_by=name&sort_order=asc", None).await),
        ["Alpha Jacket", "Beta Tee", "Delta Cap", "Gamma Scarf"]
    );
    let newest = names(&list(&app, "?sort_by=created_at", None).await);
    assert_eq!(
        newest.first().map(String::as_str),
        Some("헤어 오일"),
        "newest first by default"
    );

    let first = list(&app, "?sort_by=name&sort_order=asc&page_size=2", None).await;
    assert_eq!(
        (first["total"].as_u64(), first["total_pages"].as_u64()),
        (Some(5), Some(3))
    );
    assert_eq!(
        (first["has_next"].as_bool(), first["has_prev"].as_bool()),
        (Some(true), Some(false))
    );
    let last = list(&app, "?sort_by=name&sort_order=asc&page=3&limit=2", None).await;
    assert_eq!(names(&last).len(), 1);
    assert_eq!(
        (last["has_next"].as_bool(), last["has_prev"].as_bool()),
        (Some(false), Some(true))
    );
    let beyond = list(&app, "?page=9&page_size=2", None).await;
    assert!(names(&beyond).is_empty());
    assert_eq!(beyond["total"], 5);
}

async fn bad_catalog_input_is_a_422_never_a_500(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let t = Some(admin.access.as_str());
    let negative = json!({"name": "X", "price": -1, "sku": "NEG-1"});
    let body = error_body(
        app.post("/api/v1/products", &negative, t).await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "variants[0].price");
    let currency = json!({"name": "X", "price": 1, "sku": "CUR-1", "currency": "XYZ"});
    let body = error_body(
        app.post("/api/v1/products", &currency, t).await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "currency");
    let float = json!({"name": "X", "price": 19.99, "sku": "FLT-1"});
    error_body(
        app.post("/api/v1/products", &float, t).await,
        422,
        "validation_error",
    )
    .await;
    for (query, field) in [
        ("?page_size=1000", "page_size"),
        ("?sort_by=bogus", "sort_by"),
        ("?sort_order=up", "sort_order"),
        ("?min_price=abc", "min_price"),
        ("?in_stock=maybe", "in_stock"),
        ("?min_price=500&max_price=100", "min_price"),
        ("?search=a%00b", "search"),
        ("?q=a%00b", "search"),
        ("?category=a%00b", "category"),
        ("?tag=%07", "tag"),
    ] {
        let body = error_body(
            app.get(&format!("/api/v1/products{query}"), None).await,
            422,
            "validation_error",
        )
        .await;
        assert_eq!(body["details"]["fields"][0]["field"], field, "{query}");
    }
    let body = error_body(
        app.get("/api/v1/products/not-a-uuid", None).await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "id");
    let bad_slug = json!({"name": "X", "slug": "Not A Slug", "price": 1, "sku": "SLG-1"});
    error_body(
        app.post("/api/v1/products", &bad_slug, t).await,
        422,
        "validation_error",
    )
    .await;
    let dup =
        json!({"name": "X", "variants": [{"sku": "DUP", "price": 1}, {"sku": "DUP", "price": 2}]});
    let body = error_body(
        app.post("/api/v1/products", &dup, t).await,
        422,
        "validation_error",
    )
    .await;
    assert_eq!(body["details"]["fields"][0]["field"], "variants[1].sku");
}

async fn only_admins_change_the_catalog(store: Store) {
    let app = spawn_app(store).await;
    let customer = app.customer("nosy@example.com").await;
    error_body(
        app.post("/api/v1/products", &hoodie(), Some(&customer.access))
            .await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        app.post("/api/v1/products", &hoodie(), None).await,
        401,
        "authentication_required",
    )
    .await;
    let admin = app.admin().await;
    let p = create(&app, &admin.access, &hoodie()).await;
    let path = format!("/api/v1/products/{}", p["id"].as_str().expect("id"));
    error_body(
        app.send(
            Method::PATCH,
            &path,
            &json!({"name": "Mine"}),
            Some(&customer.access),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        app.send(Method::DELETE, &path, &json!({}), Some(&customer.access))
            .await,
        403,
        "forbidden",
    )
    .await;
}

async fn products_are_patched_partially_and_deleted(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let p = create(&app, &admin.access, &hoodie()).await;
    let path = format!("/api/v1/products/{}", p["id"].as_str().expect("id"));
    let patched: Value = app
        .send(
            Method::PATCH,
            &path,
            &json!({"name": "Classic Hoodie II", "description": null, "is_featured": false}),
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(patched["name"], "Classic Hoodie II");
    assert_eq!(patched["slug"], "classic-hoodie", "renaming keeps the slug");
    assert_eq!(patched["description"], Value::Null);
    assert_eq!(patched["tags"], p["tags"], "absent fields are kept");
    assert_eq!(patched["is_featured"], false);
    let archived: Value = app
        .send(
            Method::PATCH,
            &path,
            &json!({"status": "archived"}),
            Some(&admin.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(archived["status"], "archived");
    error_body(app.get(&path, None).await, 404, "product_not_found").await;
    assert_eq!(
        app.send(Method::DELETE, &path, &json!({}), Some(&admin.access))
            .await
            .status(),
        204
    );
    error_body(
        app.get(&path, Some(&admin.access)).await,
        404,
        "product_not_found",
    )
    .await;
    error_body(
        app.send(Method::DELETE, &path, &json!({}), Some(&admin.access))
            .await,
        404,
        "product_not_found",
    )
    .await;
}

async fn variants_are_added_changed_and_removed_but_never_the_last(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let t = Some(admin.access.as_str());
    let p = create(
        &app,
        &admin.access,
        &json!({"name": "Cap", "status": "active", "price": 2000, "sku": "CAP-1"}),
    )
    .await;
    let id = p["id"].as_str().expect("id");
    let res = app.post(&format!("/api/v1/products/{id}/variants"), &json!({"sku": "CAP-2", "price": 1500, "options": {"color": "Red"}, "inventory_count": 4}), t).await;
    assert_eq!(res.status(), 201);
    let with_two: Value = res.json().await.expect("json");
    assert_eq!(with_two["price"], 1500);
    let second = with_two["variants"][1]["id"]
        .as_str()
        .expect("vid")
        .to_owned();
    assert_eq!(with_two["variants"][1]["inventory_count"], 4);
    let path = format!("/api/v1/products/{id}/variants/{second}");
    let changed: Value = app
        .send(Method::PATCH, &path, &json!({"price": 2500}), t)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        changed["price"], 2000,
        "the product price follows the cheapest variant"
    );
    let dup = app
        .send(Method::PATCH, &path, &json!({"sku": "CAP-1"}), t)
        .await;
    error_body(dup, 422, "validation_error").await;
    assert_eq!(
        app.send(Method::DELETE, &path, &json!({}), t)
            .await
            .status(),
        204
    );
    let first = p["variants"][0]["id"].as_str().expect("vid");
    let last = app
        .send(
            Method::DELETE,
            &format!("/api/v1/products/{id}/variants/{first}"),
            &json!({}),
            t,
        )
        .await;
    error_body(last, 409, "last_variant").await;
    let missing = format!("/api/v1/products/{id}/variants/{}", uuid::Uuid::new_v4());
    error_body(
        app.send(Method::PATCH, &missing, &json!({"price": 1}), t)
            .await,
        404,
        "not_found",
    )
    .await;
}

async fn stock_is_set_or_changed_never_below_zero_and_audited(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let t = Some(admin.access.as_str());
    let p = create(&app, &admin.access, &hoodie()).await;
    let (id, vid) = (
        p["id"].as_str().expect("id"),
        p["variants"][0]["id"].as_str().expect("vid"),
    );
    let path = format!("/api/v1/inventory/{id}/variants/{vid}");
    let level: Value = app.get(&path, None).await.json().await.expect("json");
    assert_eq!(
        (
            level["inventory_count"].as_i64(),
            level["reserved"].as_i64(),
            level["available"].as_i64()
        ),
        (Some(10), Some(0), Some(10))
    );
    assert_eq!(
        (
            level["low_stock"].as_bool(),
            level["low_stock_threshold"].as_i64()
        ),
        (Some(false), Some(5))
    );

    let set: Value = app
        .send(
            Method::PATCH,
            &path,
            &json!({"inventory_count": 3, "reason": "stock count"}),
            t,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (set["inventory_count"].as_i64(), set["low_stock"].as_bool()),
        (Some(3), Some(true))
    );
    let delta: Value = app
        .send(
            Method::PATCH,
            &path,
            &json!({"delta": -3, "reason": "damaged"}),
            t,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(delta["available"], 0);
    let below = app
        .send(
            Method::PATCH,
            &path,
            &json!({"delta": -1, "reason": "oops"}),
            t,
        )
        .await;
    error_body(below, 422, "validation_error").await;
    let both = app
        .send(
            Method::PATCH,
            &path,
            &json!({"delta": 1, "inventory_count": 2, "reason": "x"}),
            t,
        )
        .await;
    error_body(both, 422, "validation_error").await;
    let no_reason = app
        .send(Method::PATCH, &path, &json!({"delta": 1, "reason": " "}), t)
        .await;
    error_body(no_reason, 422, "validation_error").await;
    let customer = app.customer("stock@example.com").await;
    let forbidden = app
        .send(
            Method::PATCH,
            &path,
            &json!({"delta": 5, "reason": "x"}),
            Some(&customer.access),
        )
        .await;
    error_body(forbidden, 403, "forbidden").await;
    let product: Value = app
        .get(&format!("/api/v1/products/{id}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(product["is_in_stock"], false, "both variants sold out");
    let other_product = format!("/api/v1/inventory/{}/variants/{vid}", uuid::Uuid::new_v4());
    error_body(
        app.get(&other_product, None).await,
        404,
        "product_not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_in_memory_server_starts_with_the_demo_catalog() {
    let app = crate::helpers::spawn_app_with(Store::Memory, |c| c.demo_data = true).await;
    let all = list(&app, "?page_size=100", None).await;
    assert!(
        all["total"].as_u64().is_some_and(|n| n >= 20),
        "{}",
        all["total"]
    );
    let currencies: std::collections::BTreeSet<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["currency"].as_str())
        .collect();
    assert!(
        currencies.contains("KRW") && currencies.contains("USD"),
        "{currencies:?}"
    );
    let serum: Value = app
        .request(Method::GET, "/api/v1/products")
        .query(&[("q", "SV-C-30")])
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(
        serum["total"], 1,
        "the spec's serum SKU is in the demo catalog"
    );
}

/// Spec §15: a catalog edit is visible at once on the instance that made it; what changes
/// without an edit (stock held by a checkout) may be served from the cache for its TTL, and
/// admins always read through.
async fn catalog_edits_show_at_once_and_other_reads_may_be_cached(store: Store) {
    let app = crate::helpers::spawn_app_with(store, |c| c.catalog_cache_ms = 800).await;
    let admin = app.admin().await;
    let p = create(
        &app,
        &admin.access,
        &json!({"name": "Cached Cap", "status": "active", "price": 900, "sku": "CC-1",
                "inventory_count": 5}),
    )
    .await;
    let (id, vid) = (
        p["id"].as_str().expect("id").to_owned(),
        p["variants"][0]["id"].as_str().expect("variant").to_owned(),
    );
    let path = format!("/api/v1/products/{id}");
    let public = || async {
        let body: Value = app
            .get("/api/v1/products/slug/cached-cap", None)
            .await
            .json()
            .await
            .expect("json");
        (
            body["name"].as_str().unwrap_or_default().to_owned(),
            body["variants"][0]["available"].as_i64().unwrap_or(-1),
        )
    };
    assert_eq!(public().await, ("Cached Cap".to_owned(), 5));
    let edited = app
        .send(
            Method::PATCH,
            &path,
            &json!({"name": "Renamed Cap"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(edited.status(), 200);
    assert_eq!(
        public().await,
        ("Renamed Cap".to_owned(), 5),
        "an edit shows at once"
    );
    let stock_path = format!("/api/v1/inventory/{id}/variants/{vid}");
    let adjusted = app
        .send(
            Method::PATCH,
            &stock_path,
            &json!({"delta": -1, "reason": "damaged"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(adjusted.status(), 200);
    assert_eq!(public().await.1, 4, "a stock adjustment shows at once");

    // A checkout holds a unit: not a catalog edit, so the cached page may lag for the TTL.
    let cart = crate::checkout::guest_cart(&app, "sess-cached-cap", &vid, 1).await;
    let opened = crate::checkout::open(
        &app,
        "sess-cached-cap",
        crate::checkout::session_body(&cart),
    )
    .await;
    assert_eq!(opened.status(), 201);
    assert_eq!(public().await.1, 4, "served from the cache");
    let as_admin: Value = app
        .get(&path, Some(&admin.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        as_admin["variants"][0]["available"], 3,
        "admins read through"
    );
    tokio::time::sleep(std::time::Duration::from_millis(850)).await;
    assert_eq!(public().await.1, 3, "nothing older than the TTL is served");
    error_body(
        app.get("/api/v1/products/slug/nothing-here", None).await,
        404,
        "product_not_found",
    )
    .await;
}

/// Spec §15: an edit on one instance shows on another within a second, however long the
/// other's cache would keep its answer (Postgres tells it).
#[tokio::test(flavor = "multi_thread")]
async fn an_edit_on_one_instance_shows_on_another_within_a_second() {
    let first =
        crate::helpers::spawn_app_with(Store::Postgres, |c| c.catalog_cache_ms = 60_000).await;
    let second = crate::helpers::start(first.config.clone(), first.db.clone()).await;
    let admin = first.admin().await;
    let p = create(
        &first,
        &admin.access,
        &json!({"name": "Shared Cap", "status": "active", "price": 900, "sku": "SC-1"}),
    )
    .await;
    let name_on_second = || async {
        let body: Value = second
            .get("/api/v1/products/slug/shared-cap", None)
            .await
            .json()
            .await
            .expect("json");
        body["name"].as_str().unwrap_or_default().to_owned()
    };
    assert_eq!(
        name_on_second().await,
        "Shared Cap",
        "now cached on the second"
    );
    let path = format!("/api/v1/products/{}", p["id"].as_str().expect("id"));
    let edited = first
        .send(
            Method::PATCH,
            &path,
            &json!({"name": "Shared Hat"}),
            Some(&admin.access),
        )
        .await;
    assert_eq!(edited.status(), 200);
    let since = std::time::Instant::now();
    loop {
        if name_on_second().await == "Shared Hat" {
            break;
        }
        assert!(
            since.elapsed() < std::time::Duration::from_secs(1),
            "the second instance still serves the old name after a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
