//! Spec §18 (reviews) over HTTP, with the decisions of docs/reviews-and-reports.md: writing,
//! editing and deleting reviews and who may do which, verified purchases, moderation, the
//! public list, the rating summary on every product body (exact under concurrent writes), and
//! the product list's `min_rating` and `sort_by=rating`.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::join_all;
use reqwest::{Method, Response};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::both_stores;
use crate::carts::{delete_product, product};
use crate::checkout::sf;
use crate::helpers::{Store, TestApp, Tokens, error_body, json_of, spawn_app, spawn_app_with};

both_stores!(
    a_review_is_created_with_every_field_and_counted_at_once,
    review_writes_are_refused_with_the_specs_errors,
    verified_purchase_follows_paid_orders,
    the_average_rounds_half_up_and_counts_each_star,
    authors_edit_and_delete_their_reviews_and_others_cannot,
    moderation_holds_new_and_edited_reviews_until_an_admin_publishes_them,
    public_lists_filter_sort_and_page_published_reviews,
    concurrent_review_writes_keep_the_summary_exact,
    the_product_list_filters_and_sorts_by_rating,
    a_reviewed_product_is_archived_not_deleted,
);

const PASSWORD: &str = "password-123";

/// A well-formed id that names no product and no review.
const UNKNOWN_ID: &str = "3f1c2a9e-5b7d-4c1e-9a2b-6d8e0f1a2b3c";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A product's `reviews` summary, the average kept in tenths so summaries compare exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Summary {
    average_tenths: i64,
    total: i64,
    /// Reviews per star, one star first.
    counts: [i64; 5],
}

impl Summary {
    /// What the docs say these counts must show: the mean rounded half up to one decimal
    /// (4.25 → 4.3), 0 without reviews. The test's own arithmetic, not the app's.
    fn of_counts(counts: [i64; 5]) -> Self {
        let total: i64 = counts.iter().sum();
        let stars: i64 = counts.iter().zip(1..).map(|(n, star)| n * star).sum();
        let average_tenths = if total == 0 {
            0
        } else {
            (stars * 20 + total) / (2 * total)
        };
        Self {
            average_tenths,
            total,
            counts,
        }
    }

    /// Reads `reviews` of a product body (detail or list item), checking its shape on the way:
    /// a number with one decimal, all five stars as keys, a total that is their sum.
    fn of_product(product: &Value) -> Self {
        let r = &product["reviews"];
        let average = &r["average_rating"];
        assert!(average.is_number(), "average_rating in {product}");
        // Read as the decimal text the client sees: one decimal at most.
        let text = average.to_string();
        let (whole, tenth) = text.split_once('.').unwrap_or((text.as_str(), "0"));
        assert_eq!(tenth.len(), 1, "one decimal: {text}");
        let tenths: i64 = format!("{whole}{tenth}")
            .parse()
            .unwrap_or_else(|_| panic!("a decimal: {text}"));
        let keys = r["rating_counts"]
            .as_object()
            .unwrap_or_else(|| panic!("rating_counts in {r}"));
        assert_eq!(keys.len(), 5, "one count per star in {r}");
        let counts = [1, 2, 3, 4, 5].map(|star: i64| {
            r["rating_counts"][star.to_string().as_str()]
                .as_i64()
                .unwrap_or_else(|| panic!("count of {star} stars in {r}"))
        });
        let total = r["total_reviews"]
            .as_i64()
            .unwrap_or_else(|| panic!("total_reviews in {r}"));
        assert_eq!(total, counts.iter().sum::<i64>(), "total is the sum of {r}");
        Self {
            average_tenths: tenths,
            total,
            counts,
        }
    }
}

/// Registers a customer with a `full_name` (`app.customer` registers without one), signs in.
async fn named_customer(app: &TestApp, email: &str, full_name: &str) -> Tokens {
    let res = app
        .post(
            "/api/v1/auth/register",
            &json!({"email": email, "password": PASSWORD, "full_name": full_name}),
            None,
        )
        .await;
    assert_eq!(res.status(), 201, "register {email}");
    Tokens::from(app.login(email, PASSWORD).await).await
}

/// `n` customers without a name: `{prefix}0@example.com`, ….
async fn customers(app: &TestApp, prefix: &str, n: usize) -> Vec<Tokens> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(app.customer(&format!("{prefix}{i}@example.com")).await);
    }
    out
}

/// A draft product (a new product's default status): it takes no reviews.
async fn draft_product(app: &TestApp, admin: &str, sku: &str) -> String {
    let body = json_of(
        app.post(
            "/api/v1/products",
            &json!({"name": format!("Draft {sku}"), "price": 1_000, "sku": sku}),
            Some(admin),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(body["status"], "draft");
    id_of(&body)
}

/// An admin API key: an integrator's key is nobody's review.
async fn api_key(app: &TestApp, admin: &str) -> String {
    let created = json_of(
        app.post(
            "/api/v1/admin/api-keys",
            &json!({"name": "reviews"}),
            Some(admin),
        )
        .await,
        201,
    )
    .await;
    created["key"].as_str().expect("key").to_owned()
}

/// A cash-on-delivery order of one unit of `vid` by the signed-in customer: pending, unpaid.
async fn place_order(app: &TestApp, token: &str, vid: &str) -> Value {
    json_of(
        app.post(
            "/api/v1/orders",
            &json!({"items": [{"variant_id": vid, "quantity": 1}], "shipping_address": sf(),
                    "shipping_method": "standard", "payment_method": "cash_on_delivery"}),
            Some(token),
        )
        .await,
        201,
    )
    .await
}

/// A paid order of one unit of `vid`: placed cash on delivery, then confirmed and marked paid
/// by an admin in one edit (spec §15: a payment received by hand), the shortest way to
/// `payment_status: "paid"`.
async fn paid_order(app: &TestApp, token: &str, admin: &str, vid: &str) -> Value {
    let placed = place_order(app, token, vid).await;
    let paid = json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/orders/{}", id_of(&placed)),
            &json!({"status": "confirmed", "payment_status": "paid"}),
            Some(admin),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(paid["payment_status"], "paid");
    paid
}

fn id_of(body: &Value) -> String {
    body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("id in {body}"))
        .to_owned()
}

/// The ids of a page's items, in order.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {page}"))
        .iter()
        .map(id_of)
        .collect()
}

/// The names of a page of products, in order.
fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {page}"))
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect()
}

/// (total, page, page_size, total_pages, has_next, has_prev) of a page envelope.
fn envelope(page: &Value) -> (i64, i64, i64, i64, bool, bool) {
    (
        page["total"].as_i64().expect("total"),
        page["page"].as_i64().expect("page"),
        page["page_size"].as_i64().expect("page_size"),
        page["total_pages"].as_i64().expect("total_pages"),
        page["has_next"].as_bool().expect("has_next"),
        page["has_prev"].as_bool().expect("has_prev"),
    )
}

fn timestamp(v: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    let s = v.as_str().unwrap_or_else(|| panic!("a timestamp, got {v}"));
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("RFC 3339 {s}: {e}"))
}

fn reviews_of(pid: &str) -> String {
    format!("/api/v1/products/{pid}/reviews")
}

fn review_path(id: &str) -> String {
    format!("/api/v1/reviews/{id}")
}

async fn post_review(app: &TestApp, token: Option<&str>, pid: &str, body: &Value) -> Response {
    app.post(&reviews_of(pid), body, token).await
}

/// Writes a review of `rating` stars that must be accepted; its body.
async fn review(app: &TestApp, token: &str, pid: &str, rating: i64) -> Value {
    json_of(
        post_review(
            app,
            Some(token),
            pid,
            &json!({"rating": rating, "body": format!("{rating} stars")}),
        )
        .await,
        201,
    )
    .await
}

async fn patch_review(app: &TestApp, token: Option<&str>, id: &str, body: &Value) -> Response {
    app.send(Method::PATCH, &review_path(id), body, token).await
}

async fn delete_review(app: &TestApp, token: Option<&str>, id: &str) -> Response {
    app.send(Method::DELETE, &review_path(id), &json!({}), token)
        .await
}

/// One review write, spawned so that writes run in parallel; the status it got.
fn spawn_write(
    app: &Arc<TestApp>,
    method: Method,
    id: &str,
    body: Value,
    token: &str,
) -> JoinHandle<u16> {
    let (app, path, token) = (app.clone(), review_path(id), token.to_owned());
    tokio::spawn(async move {
        app.send(method, &path, &body, Some(&token))
            .await
            .status()
            .as_u16()
    })
}

/// The public list of a product's reviews, read anonymously, with `query` (`?sort=oldest`).
async fn public_reviews(app: &TestApp, pid: &str, query: &str) -> Value {
    json_of(
        app.get(&format!("{}{query}", reviews_of(pid)), None).await,
        200,
    )
    .await
}

/// `GET /admin/reviews{query}` as an admin.
async fn admin_reviews(app: &TestApp, admin: &str, query: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/admin/reviews{query}"), Some(admin))
            .await,
        200,
    )
    .await
}

/// A product body as an admin reads it: admins read through the response cache.
async fn product_as_admin(app: &TestApp, admin: &str, pid: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/products/{pid}"), Some(admin))
            .await,
        200,
    )
    .await
}

async fn summary(app: &TestApp, admin: &str, pid: &str) -> Summary {
    Summary::of_product(&product_as_admin(app, admin, pid).await)
}

/// `GET /products{query}` as an admin (every product in these tests is active).
async fn product_list(app: &TestApp, admin: &str, query: &str) -> Value {
    json_of(
        app.get(&format!("/api/v1/products{query}"), Some(admin))
            .await,
        200,
    )
    .await
}

/// The summary an anonymous caller sees on the product's detail, slug and list bodies.
async fn anonymous_summaries(app: &TestApp, pid: &str, slug: &str) -> Vec<Summary> {
    let detail = json_of(app.get(&format!("/api/v1/products/{pid}"), None).await, 200).await;
    let by_slug = json_of(
        app.get(&format!("/api/v1/products/slug/{slug}"), None)
            .await,
        200,
    )
    .await;
    let list = json_of(app.get("/api/v1/products", None).await, 200).await;
    let item = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["id"] == pid)
        .unwrap_or_else(|| panic!("{pid} listed in {list}"));
    vec![
        Summary::of_product(&detail),
        Summary::of_product(&by_slug),
        Summary::of_product(item),
    ]
}

/// Checks a 422 `validation_error` that names `field` in `details.fields`.
async fn assert_refused(res: Response, field: &str, context: &str) {
    let body = error_body(res, 422, "validation_error").await;
    let named = body["details"]["fields"]
        .as_array()
        .is_some_and(|fields| fields.iter().any(|f| f["field"] == field));
    assert!(named, "{context}: {field} named in {body}");
}

/// Racer `i`'s first rating in the concurrency test: four reviews of each star.
fn first_rating(i: usize) -> i64 {
    i64::try_from(i % 5).expect("small") + 1
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// Spec §18: a review answers every field, keeps its text exactly as written (HTML included:
/// clients escape it), names its author without their email, and counts at once in the
/// summary of every product body, even the bodies the anonymous response cache holds.
async fn a_review_is_created_with_every_field_and_counted_at_once(store: Store) {
    // A long cache: only the review write's clearing of it can make the new summary show.
    let app = spawn_app_with(store, |c| c.catalog_cache_ms = 60_000).await;
    let admin = app.admin().await.access;
    let (pid, _) = product(&app, &admin, "REV-NEW", "USD", 2_500, 5).await;
    let slug = product_as_admin(&app, &admin, &pid).await["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let none = Summary::of_counts([0; 5]);
    assert_eq!(
        anonymous_summaries(&app, &pid, &slug).await,
        vec![none; 3],
        "no reviews yet (and these answers are now cached)"
    );

    let jane = named_customer(&app, "jane@example.com", "Jane Doe").await;
    let title = "  <b>Cosy</b> &amp; warm  ";
    let text = "Soft <i>fleece</i> &amp; <script>alert(1)</script>\nWould buy again.  ";
    let created = json_of(
        post_review(
            &app,
            Some(&jane.access),
            &pid,
            &json!({"rating": 4, "title": title, "body": text}),
        )
        .await,
        201,
    )
    .await;
    assert!(
        uuid::Uuid::parse_str(created["id"].as_str().expect("id")).is_ok(),
        "a UUID id in {created}"
    );
    assert_eq!(created["product_id"], pid.as_str());
    assert_eq!(created["user_id"], jane.user_id.as_str());
    assert_eq!(created["author_name"], "Jane D.", "first name and initial");
    assert_eq!(created["rating"], 4);
    assert_eq!(created["title"], title, "no trimming, no HTML handling");
    assert_eq!(created["body"], text, "no trimming, no HTML handling");
    assert_eq!(created["verified_purchase"], false);
    assert_eq!(
        created["status"], "published",
        "moderation is off by default"
    );
    timestamp(&created["created_at"]);
    timestamp(&created["updated_at"]);
    assert!(
        !created.to_string().contains("jane@example.com"),
        "a review never shows an email: {created}"
    );

    let one = Summary::of_counts([0, 0, 0, 1, 0]);
    assert_eq!(one.average_tenths, 40);
    assert_eq!(
        anonymous_summaries(&app, &pid, &slug).await,
        vec![one; 3],
        "the review write cleared the cached product answers"
    );

    let listed = public_reviews(&app, &pid, "").await;
    assert_eq!(ids(&listed), [id_of(&created)]);
    let item = &listed["items"][0];
    for key in [
        "product_id",
        "user_id",
        "author_name",
        "rating",
        "title",
        "body",
        "verified_purchase",
        "status",
        "created_at",
        "updated_at",
    ] {
        assert_eq!(item[key], created[key], "{key} as listed");
    }
    assert!(!listed.to_string().contains("jane@example.com"));

    // An account without a name is shown as "Customer"; no title given is no title.
    let nameless = app.customer("nameless@example.com").await;
    let second = json_of(
        post_review(
            &app,
            Some(&nameless.access),
            &pid,
            &json!({"rating": 5, "body": "Great."}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(second["author_name"], "Customer");
    assert!(second["title"].is_null(), "{second}");
    assert!(!second.to_string().contains("nameless@example.com"));
    assert_eq!(
        anonymous_summaries(&app, &pid, &slug).await,
        vec![Summary::of_counts([0, 0, 0, 1, 1]); 3]
    );
}

/// Spec §18 and §1: one review per user and product (409), active products only (404), a
/// signed-in user only (401; an API key is 403), each invalid field named in a 422 and nothing
/// written; the bounds themselves are accepted, counted in characters.
async fn review_writes_are_refused_with_the_specs_errors(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, _) = product(&app, &admin, "REV-ERR", "USD", 1_000, 5).await;
    let first = app.customer("first@example.com").await;
    review(&app, &first.access, &pid, 4).await;
    error_body(
        post_review(
            &app,
            Some(&first.access),
            &pid,
            &json!({"rating": 2, "body": "Changed my mind"}),
        )
        .await,
        409,
        "review_exists",
    )
    .await;

    // Unknown, draft and archived products take no reviews.
    let draft = draft_product(&app, &admin, "REV-DRAFT").await;
    let (archived, _) = product(&app, &admin, "REV-ARCH", "USD", 1_000, 5).await;
    json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/products/{archived}"),
            &json!({"status": "archived"}),
            Some(&admin),
        )
        .await,
        200,
    )
    .await;
    let fine = json!({"rating": 5, "body": "Nice"});
    for target in [UNKNOWN_ID, draft.as_str(), archived.as_str()] {
        error_body(
            post_review(&app, Some(&first.access), target, &fine).await,
            404,
            "product_not_found",
        )
        .await;
    }

    // Nobody, a bad token and an API key write no review.
    error_body(
        post_review(&app, None, &pid, &fine).await,
        401,
        "authentication_required",
    )
    .await;
    error_body(
        post_review(&app, Some("not-a-token"), &pid, &fine).await,
        401,
        "authentication_required",
    )
    .await;
    let key = api_key(&app, &admin).await;
    let by_key = app
        .request(Method::POST, &reviews_of(&pid))
        .header("X-Api-Key", key)
        .json(&fine)
        .send()
        .await
        .expect("sent");
    error_body(by_key, 403, "forbidden").await;

    // Each invalid field is named. Lengths count characters: é is two bytes in UTF-8.
    let picky = app.customer("picky@example.com").await;
    let title_121 = "\u{e9}".repeat(121);
    let body_5001 = "a".repeat(5001);
    let cases = [
        (json!({"rating": 0, "body": "x"}), "rating"),
        (json!({"rating": 6, "body": "x"}), "rating"),
        (json!({"rating": 4.5, "body": "x"}), "rating"),
        (json!({"rating": "5", "body": "x"}), "rating"),
        (json!({"body": "x"}), "rating"),
        (
            json!({"rating": 3, "title": &title_121, "body": "x"}),
            "title",
        ),
        (json!({"rating": 3, "body": ""}), "body"),
        (json!({"rating": 3, "body": "   \n\t "}), "body"),
        (json!({"rating": 3, "body": &body_5001}), "body"),
        (json!({"rating": 3}), "body"),
    ];
    for (body, field) in &cases {
        assert_refused(
            post_review(&app, Some(&picky.access), &pid, body).await,
            field,
            &format!(
                "POST {}",
                body.to_string().chars().take(80).collect::<String>()
            ),
        )
        .await;
    }
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0, 0, 0, 1, 0]),
        "refused and duplicate writes count nothing"
    );

    // The bounds are accepted; the refused attempts left nothing behind for `picky`.
    let title_120 = "\u{e9}".repeat(120);
    let at_title = json_of(
        post_review(
            &app,
            Some(&picky.access),
            &pid,
            &json!({"rating": 3, "title": &title_120, "body": "x"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(at_title["title"], title_120.as_str());
    let wordy = app.customer("wordy@example.com").await;
    let body_5000 = "\u{ac00}".repeat(5000);
    let at_body = json_of(
        post_review(
            &app,
            Some(&wordy.access),
            &pid,
            &json!({"rating": 5, "title": null, "body": &body_5000}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(at_body["body"], body_5000.as_str());
    assert!(at_body["title"].is_null(), "a null title is no title");
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0, 0, 1, 1, 1])
    );
}

/// Docs: `verified_purchase` is true when the author has a paid order holding the product;
/// an unpaid order or a paid order of something else is no purchase; it is worked out again
/// at an edit, so a review written before buying becomes verified when edited after.
async fn verified_purchase_follows_paid_orders(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "REV-BUY", "USD", 3_000, 10).await;
    let (other_pid, _) = product(&app, &admin, "REV-OTHER", "USD", 3_000, 10).await;

    let buyer = app.customer("buyer@example.com").await;
    paid_order(&app, &buyer.access, &admin, &vid).await;
    let bought = review(&app, &buyer.access, &pid, 5).await;
    assert_eq!(bought["verified_purchase"], true, "a paid order holds it");
    let elsewhere = review(&app, &buyer.access, &other_pid, 4).await;
    assert_eq!(
        elsewhere["verified_purchase"], false,
        "the paid order holds another product"
    );

    let browser = app.customer("browser@example.com").await;
    let pending = place_order(&app, &browser.access, &vid).await;
    assert_eq!(pending["payment_status"], "pending");
    let unpaid = review(&app, &browser.access, &pid, 3).await;
    assert_eq!(unpaid["verified_purchase"], false, "an unpaid order");

    let early = app.customer("early@example.com").await;
    let before = review(&app, &early.access, &pid, 2).await;
    assert_eq!(before["verified_purchase"], false);
    paid_order(&app, &early.access, &admin, &vid).await;
    let edited = json_of(
        patch_review(
            &app,
            Some(&early.access),
            &id_of(&before),
            &json!({"body": "Better after a week"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        edited["verified_purchase"], true,
        "worked out again at the edit"
    );

    let verified = public_reviews(&app, &pid, "?verified=true&sort=oldest").await;
    assert_eq!(ids(&verified), [id_of(&bought), id_of(&before)]);
    let others = public_reviews(&app, &pid, "?verified=false").await;
    assert_eq!(ids(&others), [id_of(&unpaid)]);
}

/// Docs: the average is the mean rounded half up to one decimal (4.25 → 4.3, where rounding
/// half to even would give 4.2), with a count per star; no reviews is 0 everywhere.
async fn the_average_rounds_half_up_and_counts_each_star(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (rated, _) = product(&app, &admin, "REV-AVG", "USD", 1_000, 5).await;
    let (thirds, _) = product(&app, &admin, "REV-THIRDS", "USD", 1_000, 5).await;
    let (unrated, _) = product(&app, &admin, "REV-NONE", "USD", 1_000, 5).await;
    let people = customers(&app, "rater", 4).await;
    for (who, stars) in people.iter().zip([5, 4, 4, 4]) {
        review(&app, &who.access, &rated, stars).await;
    }
    assert_eq!(
        summary(&app, &admin, &rated).await,
        Summary {
            average_tenths: 43,
            total: 4,
            counts: [0, 0, 0, 3, 1]
        },
        "4.25 rounds half up to 4.3"
    );
    let raw = product_as_admin(&app, &admin, &rated).await;
    assert_eq!(raw["reviews"]["average_rating"].as_f64(), Some(4.3));
    assert_eq!(raw["reviews"]["total_reviews"], 4);
    assert_eq!(
        raw["reviews"]["rating_counts"],
        json!({"1": 0, "2": 0, "3": 0, "4": 3, "5": 1})
    );

    for (who, stars) in people.iter().zip([1, 2, 2]) {
        review(&app, &who.access, &thirds, stars).await;
    }
    assert_eq!(
        summary(&app, &admin, &thirds).await,
        Summary {
            average_tenths: 17,
            total: 3,
            counts: [1, 2, 0, 0, 0]
        },
        "1.666… shows 1.7"
    );

    let none = product_as_admin(&app, &admin, &unrated).await;
    assert_eq!(none["reviews"]["average_rating"].as_f64(), Some(0.0));
    assert_eq!(none["reviews"]["total_reviews"], 0);
    assert_eq!(
        none["reviews"]["rating_counts"],
        json!({"1": 0, "2": 0, "3": 0, "4": 0, "5": 0})
    );
}

/// Docs: the author edits rating, title (`null` removes it) and body, and the summary moves
/// the review from its old star to its new one; someone else's published review is 403 to
/// edit or delete; the author or an admin deletes it (204) and the summary goes back.
async fn authors_edit_and_delete_their_reviews_and_others_cannot(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, _) = product(&app, &admin, "REV-EDIT", "USD", 1_000, 5).await;
    let author = app.customer("author@example.com").await;
    let other = app.customer("other@example.com").await;
    let created = json_of(
        post_review(
            &app,
            Some(&author.access),
            &pid,
            &json!({"rating": 2, "title": "Meh", "body": "Scratchy"}),
        )
        .await,
        201,
    )
    .await;
    let id = id_of(&created);
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0, 1, 0, 0, 0])
    );

    app.advance(60);
    let edited = json_of(
        patch_review(&app, Some(&author.access), &id, &json!({"rating": 5})).await,
        200,
    )
    .await;
    assert_eq!(
        (
            edited["rating"].as_i64(),
            edited["title"].as_str(),
            edited["body"].as_str()
        ),
        (Some(5), Some("Meh"), Some("Scratchy")),
        "only the fields sent change"
    );
    assert_eq!(edited["status"], "published", "an edit keeps the status");
    assert_eq!(edited["created_at"], created["created_at"]);
    assert!(timestamp(&edited["updated_at"]) > timestamp(&created["updated_at"]));
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0, 0, 0, 0, 1]),
        "one off two stars, one on five"
    );

    let untitled = json_of(
        patch_review(&app, Some(&author.access), &id, &json!({"title": null})).await,
        200,
    )
    .await;
    assert!(untitled["title"].is_null(), "null removes the title");
    assert_eq!(
        (untitled["rating"].as_i64(), untitled["body"].as_str()),
        (Some(5), Some("Scratchy"))
    );
    assert!(public_reviews(&app, &pid, "").await["items"][0]["title"].is_null());

    // An edit is checked like a new review.
    for (body, field) in [
        (json!({"rating": 7}), "rating"),
        (json!({"body": "  "}), "body"),
        (json!({"title": "x".repeat(121)}), "title"),
    ] {
        assert_refused(
            patch_review(&app, Some(&author.access), &id, &body).await,
            field,
            &format!("PATCH {body}"),
        )
        .await;
    }

    // Someone else's published review: 403 to edit or delete; a customer never moderates.
    error_body(
        patch_review(&app, Some(&other.access), &id, &json!({"rating": 1})).await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        delete_review(&app, Some(&other.access), &id).await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        patch_review(
            &app,
            Some(&author.access),
            &id,
            &json!({"status": "published"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        patch_review(&app, None, &id, &json!({"rating": 1})).await,
        401,
        "authentication_required",
    )
    .await;
    error_body(
        delete_review(&app, None, &id).await,
        401,
        "authentication_required",
    )
    .await;
    error_body(
        patch_review(
            &app,
            Some(&author.access),
            UNKNOWN_ID,
            &json!({"rating": 1}),
        )
        .await,
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0, 0, 0, 0, 1]),
        "the refused writes changed nothing"
    );

    // The author deletes it: gone from the list and the summary, and they may write anew.
    assert_eq!(
        delete_review(&app, Some(&author.access), &id)
            .await
            .status(),
        204
    );
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0; 5])
    );
    assert_eq!(public_reviews(&app, &pid, "").await["total"], 0);
    error_body(
        delete_review(&app, Some(&author.access), &id).await,
        404,
        "not_found",
    )
    .await;
    error_body(
        patch_review(&app, Some(&author.access), &id, &json!({"rating": 3})).await,
        404,
        "not_found",
    )
    .await;
    review(&app, &author.access, &pid, 3).await;

    // An admin deletes anyone's review.
    let theirs = review(&app, &other.access, &pid, 1).await;
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([1, 0, 1, 0, 0])
    );
    assert_eq!(
        delete_review(&app, Some(&admin), &id_of(&theirs))
            .await
            .status(),
        204
    );
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0, 0, 1, 0, 0])
    );
}

/// Docs: with `MERX_REVIEWS_MODERATION=on` a new review, and one its author edits, waits as
/// `pending` (listed for admins only, counted nowhere) until an admin publishes it; only
/// admins moderate and list; an unpublished review of someone else is 404.
async fn moderation_holds_new_and_edited_reviews_until_an_admin_publishes_them(store: Store) {
    let app = spawn_app_with(store, |c| c.reviews_moderation = true).await;
    let admin = app.admin().await.access;
    let (pid, _) = product(&app, &admin, "REV-MOD", "USD", 1_000, 5).await;
    let (other_pid, _) = product(&app, &admin, "REV-MOD-2", "USD", 1_000, 5).await;
    let author = app.customer("held@example.com").await;
    let stranger = app.customer("stranger@example.com").await;

    let held = review(&app, &author.access, &pid, 4).await;
    let id = id_of(&held);
    assert_eq!(
        held["status"], "pending",
        "its author sees it whatever its status"
    );
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0; 5]),
        "a pending review is not counted"
    );
    assert_eq!(
        public_reviews(&app, &pid, "").await["total"],
        0,
        "nor listed"
    );

    // Not published: to anyone else it does not exist.
    error_body(
        patch_review(&app, Some(&stranger.access), &id, &json!({"rating": 1})).await,
        404,
        "not_found",
    )
    .await;
    error_body(
        delete_review(&app, Some(&stranger.access), &id).await,
        404,
        "not_found",
    )
    .await;

    // Only admins list and moderate.
    error_body(
        app.get("/api/v1/admin/reviews", Some(&author.access)).await,
        403,
        "forbidden",
    )
    .await;
    error_body(
        app.get("/api/v1/admin/reviews", None).await,
        401,
        "authentication_required",
    )
    .await;
    error_body(
        patch_review(
            &app,
            Some(&author.access),
            &id,
            &json!({"status": "published"}),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let queue = admin_reviews(&app, &admin, "?status=pending").await;
    assert_eq!(ids(&queue), std::slice::from_ref(&id));
    assert_eq!(queue["items"][0]["status"], "pending");
    assert_eq!(queue["total"], 1);
    assert_eq!(
        admin_reviews(&app, &admin, "?status=published").await["total"],
        0
    );
    assert_eq!(
        ids(&admin_reviews(&app, &admin, &format!("?product_id={pid}")).await),
        std::slice::from_ref(&id)
    );
    assert_eq!(
        admin_reviews(&app, &admin, &format!("?product_id={other_pid}")).await["total"],
        0
    );

    let published = json_of(
        patch_review(&app, Some(&admin), &id, &json!({"status": "published"})).await,
        200,
    )
    .await;
    assert_eq!(
        (published["status"].as_str(), published["rating"].as_i64()),
        (Some("published"), Some(4))
    );
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0, 0, 0, 1, 0])
    );
    assert_eq!(
        ids(&public_reviews(&app, &pid, "").await),
        std::slice::from_ref(&id)
    );

    // Its author edits it: it waits again and leaves the summary and the list.
    let edited = json_of(
        patch_review(
            &app,
            Some(&author.access),
            &id,
            &json!({"rating": 2, "body": "Pilled after a wash"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (edited["status"].as_str(), edited["rating"].as_i64()),
        (Some("pending"), Some(2))
    );
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0; 5])
    );
    assert_eq!(public_reviews(&app, &pid, "").await["total"], 0);

    // Published again it counts at its new rating; rejected it leaves again.
    json_of(
        patch_review(&app, Some(&admin), &id, &json!({"status": "published"})).await,
        200,
    )
    .await;
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0, 1, 0, 0, 0])
    );
    let rejected = json_of(
        patch_review(&app, Some(&admin), &id, &json!({"status": "rejected"})).await,
        200,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([0; 5])
    );
    assert_eq!(
        ids(&admin_reviews(&app, &admin, "?status=rejected").await),
        std::slice::from_ref(&id)
    );
    assert_refused(
        patch_review(&app, Some(&admin), &id, &json!({"status": "hidden"})).await,
        "status",
        "an unknown status",
    )
    .await;
}

/// Spec §18 and docs: the public list holds published reviews only, filters by rating and
/// verified purchase, sorts four ways (ties newest first) and pages in the §1 envelope; a
/// rejected review stays rejected when its author edits it (moderation off).
async fn public_lists_filter_sort_and_page_published_reviews(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (pid, vid) = product(&app, &admin, "REV-LIST", "USD", 1_000, 10).await;
    let people = customers(&app, "lister", 5).await;
    paid_order(&app, &people[0].access, &admin, &vid).await;
    // One review a minute, oldest first: 5 (verified), 3, 5, 1, and a 4 that is rejected.
    let mut written = Vec::new();
    for (who, stars) in people.iter().zip([5, 3, 5, 1, 4]) {
        written.push(id_of(&review(&app, &who.access, &pid, stars).await));
        app.advance(60);
    }
    let [a, b, c, d, e] = [0_usize, 1, 2, 3, 4].map(|i| written[i].as_str());
    json_of(
        patch_review(&app, Some(&admin), e, &json!({"status": "rejected"})).await,
        200,
    )
    .await;

    let newest = public_reviews(&app, &pid, "").await;
    assert_eq!(
        ids(&newest),
        [d, c, b, a],
        "newest first; the rejected is absent"
    );
    assert_eq!(envelope(&newest), (4, 1, 20, 1, false, false));
    for (query, expected) in [
        ("?sort=newest", [d, c, b, a]),
        ("?sort=oldest", [a, b, c, d]),
        ("?sort=rating_desc", [c, a, b, d]),
        ("?sort=rating_asc", [d, b, c, a]),
    ] {
        assert_eq!(
            ids(&public_reviews(&app, &pid, query).await),
            expected,
            "{query} (ties newest first)"
        );
    }
    assert_eq!(ids(&public_reviews(&app, &pid, "?rating=5").await), [c, a]);
    assert_eq!(
        public_reviews(&app, &pid, "?rating=4").await["total"],
        0,
        "the only 4 is rejected"
    );
    assert_eq!(
        ids(&public_reviews(&app, &pid, "?verified=true").await),
        [a]
    );
    assert_eq!(
        ids(&public_reviews(&app, &pid, "?verified=false&sort=oldest").await),
        [b, c, d]
    );
    assert_eq!(
        ids(&public_reviews(&app, &pid, "?rating=5&verified=false").await),
        [c]
    );

    let first = public_reviews(&app, &pid, "?page_size=1").await;
    assert_eq!(ids(&first), [d]);
    assert_eq!(envelope(&first), (4, 1, 1, 4, true, false));
    let second = public_reviews(&app, &pid, "?page=2&page_size=1").await;
    assert_eq!(ids(&second), [c]);
    assert_eq!(envelope(&second), (4, 2, 1, 4, true, true));
    let last = public_reviews(&app, &pid, "?page=4&page_size=1").await;
    assert_eq!(ids(&last), [a]);
    assert_eq!(envelope(&last), (4, 4, 1, 4, false, true));
    let fives = public_reviews(&app, &pid, "?rating=5&page_size=1").await;
    assert_eq!(envelope(&fives), (2, 1, 1, 2, true, false));

    // The admin's decision stands through an edit by the author, and is not written twice.
    let edited = json_of(
        patch_review(&app, Some(&people[4].access), e, &json!({"rating": 5})).await,
        200,
    )
    .await;
    assert_eq!(
        edited["status"], "rejected",
        "a rejected review stays rejected"
    );
    assert_eq!(public_reviews(&app, &pid, "").await["total"], 4);
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([1, 0, 1, 0, 2])
    );
    error_body(
        post_review(
            &app,
            Some(&people[4].access),
            &pid,
            &json!({"rating": 4, "body": "Again"}),
        )
        .await,
        409,
        "review_exists",
    )
    .await;
    assert_eq!(
        ids(&admin_reviews(&app, &admin, &format!("?product_id={pid}")).await),
        [e, d, c, b, a],
        "admins see every review, newest first"
    );

    for (query, field) in [
        ("?rating=6", "rating"),
        ("?sort=best", "sort"),
        ("?verified=maybe", "verified"),
        ("?page_size=1000", "page_size"),
    ] {
        assert_refused(
            app.get(&format!("{}{query}", reviews_of(&pid)), None).await,
            field,
            query,
        )
        .await;
    }
    let draft = draft_product(&app, &admin, "REV-LIST-DRAFT").await;
    for target in [draft.as_str(), UNKNOWN_ID] {
        error_body(
            app.get(&reviews_of(target), None).await,
            404,
            "product_not_found",
        )
        .await;
    }
}

/// Docs: the summary is exact under concurrent writes. Twenty customers write at once (one of
/// them twice: exactly one of its writes lands), then edits, deletes, rejections racing an
/// edit, and five racing edits of one review all run at once; the summary must equal what the
/// test wrote and what the public list shows.
async fn concurrent_review_writes_keep_the_summary_exact(store: Store) {
    let app = Arc::new(spawn_app(store).await);
    let admin = app.admin().await.access;
    let (pid, _) = product(&app, &admin, "REV-RACE", "USD", 1_000, 5).await;
    let signups = (0..20).map(|i| {
        let app = app.clone();
        tokio::spawn(async move { app.customer(&format!("racer{i}@example.com")).await })
    });
    let racers: Arc<Vec<Tokens>> = Arc::new(
        join_all(signups)
            .await
            .into_iter()
            .map(|joined| joined.expect("joined"))
            .collect(),
    );

    let posts = (0_usize..20).chain([0]).map(|i| {
        let (app, racers, pid) = (app.clone(), racers.clone(), pid.clone());
        tokio::spawn(async move {
            let res = post_review(
                &app,
                Some(&racers[i].access),
                &pid,
                &json!({"rating": first_rating(i), "body": format!("racer {i}")}),
            )
            .await;
            let status = res.status().as_u16();
            (i, status, res.json::<Value>().await.expect("json"))
        })
    });
    let mut review_of: HashMap<usize, String> = HashMap::new();
    let mut refused = Vec::new();
    for joined in join_all(posts).await {
        let (i, status, body) = joined.expect("joined");
        match status {
            201 => assert!(
                review_of.insert(i, id_of(&body)).is_none(),
                "racer {i} wrote twice"
            ),
            409 => refused.push((i, body["error"].clone())),
            other => panic!("racer {i}: {other} {body}"),
        }
    }
    assert_eq!(review_of.len(), 20);
    assert_eq!(refused, [(0, json!("review_exists"))]);
    assert_eq!(
        summary(&app, &admin, &pid).await,
        Summary::of_counts([4; 5])
    );

    // All at once: racers 0..8 move to five stars, 8..12 delete, the admin rejects 12 and 13
    // while 13 edits, and racer 19 sends five edits of its one review.
    let mut writes: Vec<(String, u16, JoinHandle<u16>)> = Vec::new();
    for i in 0_usize..8 {
        let w = spawn_write(
            &app,
            Method::PATCH,
            &review_of[&i],
            json!({"rating": 5}),
            &racers[i].access,
        );
        writes.push((format!("racer {i} edits"), 200, w));
    }
    for i in 8_usize..12 {
        let w = spawn_write(
            &app,
            Method::DELETE,
            &review_of[&i],
            json!({}),
            &racers[i].access,
        );
        writes.push((format!("racer {i} deletes"), 204, w));
    }
    for i in [12_usize, 13] {
        let w = spawn_write(
            &app,
            Method::PATCH,
            &review_of[&i],
            json!({"status": "rejected"}),
            &admin,
        );
        writes.push((format!("the admin rejects {i}"), 200, w));
    }
    let w = spawn_write(
        &app,
        Method::PATCH,
        &review_of[&13_usize],
        json!({"rating": 5, "body": "changed"}),
        &racers[13].access,
    );
    writes.push(("racer 13 edits".to_owned(), 200, w));
    for stars in 1..=5 {
        let w = spawn_write(
            &app,
            Method::PATCH,
            &review_of[&19_usize],
            json!({"rating": stars}),
            &racers[19].access,
        );
        writes.push((format!("racer 19 edits to {stars}"), 200, w));
    }
    for (what, expected, handle) in writes {
        assert_eq!(handle.await.expect("joined"), expected, "{what}");
    }

    let listed = public_reviews(&app, &pid, "?page_size=100").await;
    let items = listed["items"].as_array().expect("items");
    let final_19 = items
        .iter()
        .find(|r| r["user_id"] == racers[19].user_id.as_str())
        .and_then(|r| r["rating"].as_i64())
        .expect("racer 19 is still listed");
    assert!((1..=5).contains(&final_19), "one of the ratings it sent");
    let mut expected = [0_i64; 5];
    expected[4] += 8; // racers 0..8 at five stars
    for i in 14_usize..19 {
        expected[usize::try_from(first_rating(i) - 1).expect("star")] += 1;
    }
    expected[usize::try_from(final_19 - 1).expect("star")] += 1;
    let expected = Summary::of_counts(expected);
    assert_eq!(expected.total, 14, "8 edited, 5 untouched, racer 19");

    let mut shown = [0_i64; 5];
    for r in items {
        let stars = r["rating"].as_i64().expect("rating");
        shown[usize::try_from(stars - 1).expect("star")] += 1;
    }
    assert_eq!(listed["total"], 14);
    assert_eq!(
        Summary::of_counts(shown),
        expected,
        "the list shows what was written"
    );
    assert_eq!(
        summary(&app, &admin, &pid).await,
        expected,
        "the counters lost no write and counted none twice"
    );
    assert_eq!(
        admin_reviews(&app, &admin, &format!("?status=rejected&product_id={pid}")).await["total"],
        2
    );
}

/// Spec §18 and docs: `min_rating` keeps products whose exact mean (0 without reviews) is at
/// least the bound, `sort_by=rating` orders by that mean, both follow rating changes at once,
/// and a bound outside 0..=5 or not a number is a 422.
async fn the_product_list_filters_and_sorts_by_rating(store: Store) {
    const HIGH: &str = "Product RATE-HIGH";
    const MID: &str = "Product RATE-MID";
    const NONE: &str = "Product RATE-NONE";
    const CLOSE: &str = "Product RATE-CLOSE";
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (high, _) = product(&app, &admin, "RATE-HIGH", "USD", 1_000, 5).await;
    let (mid, _) = product(&app, &admin, "RATE-MID", "USD", 1_000, 5).await;
    product(&app, &admin, "RATE-NONE", "USD", 1_000, 5).await;
    let people = customers(&app, "critic", 4).await;
    review(&app, &people[0].access, &high, 5).await;
    review(&app, &people[1].access, &high, 4).await;
    let mid_review = review(&app, &people[0].access, &mid, 3).await;

    let kept = product_list(&app, &admin, "?min_rating=4").await;
    assert_eq!(names(&kept), [HIGH], "4.5 is kept, 3.0 and none are not");
    assert_eq!(kept["total"], 1);
    assert_eq!(
        Summary::of_product(&kept["items"][0]),
        Summary::of_counts([0, 0, 0, 1, 1]),
        "list items carry the summary"
    );
    for (query, expected) in [
        ("?min_rating=4.5&sort_by=name&sort_order=asc", vec![HIGH]),
        ("?min_rating=3&sort_by=name&sort_order=asc", vec![HIGH, MID]),
        (
            "?min_rating=0&sort_by=name&sort_order=asc",
            vec![HIGH, MID, NONE],
        ),
        ("?sort_by=rating&sort_order=desc", vec![HIGH, MID, NONE]),
        ("?sort_by=rating&sort_order=asc", vec![NONE, MID, HIGH]),
    ] {
        assert_eq!(
            names(&product_list(&app, &admin, query).await),
            expected,
            "{query}"
        );
    }

    // The filter and the order use the exact mean, not the one shown: 4.25 shows as 4.3.
    let (close, _) = product(&app, &admin, "RATE-CLOSE", "USD", 1_000, 5).await;
    for (who, stars) in people.iter().zip([5, 4, 4, 4]) {
        review(&app, &who.access, &close, stars).await;
    }
    assert_eq!(summary(&app, &admin, &close).await.average_tenths, 43);
    for (query, expected) in [
        ("?min_rating=4.3", vec![HIGH]),
        (
            "?min_rating=4.25&sort_by=rating&sort_order=desc",
            vec![HIGH, CLOSE],
        ),
        (
            "?sort_by=rating&sort_order=desc",
            vec![HIGH, CLOSE, MID, NONE],
        ),
    ] {
        assert_eq!(
            names(&product_list(&app, &admin, query).await),
            expected,
            "{query}"
        );
    }
    let paged = product_list(&app, &admin, "?sort_by=rating&sort_order=desc&page_size=2").await;
    assert_eq!(names(&paged), [HIGH, CLOSE]);
    assert_eq!(envelope(&paged), (4, 1, 2, 2, true, false));

    // A rating change moves the product at once: 3 → 5 stars puts it first.
    json_of(
        patch_review(
            &app,
            Some(&people[0].access),
            &id_of(&mid_review),
            &json!({"rating": 5}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        names(&product_list(&app, &admin, "?sort_by=rating&sort_order=desc").await),
        [MID, HIGH, CLOSE, NONE]
    );
    assert_eq!(
        names(&product_list(&app, &admin, "?min_rating=5").await),
        [MID]
    );

    for query in ["?min_rating=6", "?min_rating=abc", "?min_rating=-1"] {
        assert_refused(
            app.get(&format!("/api/v1/products{query}"), None).await,
            "min_rating",
            query,
        )
        .await;
    }
}

/// Deleting a product that has reviews archives it, as for one an order or cart references:
/// its reviews stay readable by admins; a product without any is deleted.
async fn a_reviewed_product_is_archived_not_deleted(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (reviewed, _) = product(&app, &admin, "REV-KEEP", "USD", 1_000, 5).await;
    let (plain, _) = product(&app, &admin, "REV-GONE", "USD", 1_000, 5).await;
    let customer = app.customer("keeper@example.com").await.access;
    let id = id_of(&review(&app, &customer, &reviewed, 4).await);
    for pid in [&reviewed, &plain] {
        delete_product(&app, &admin, pid).await;
    }
    let kept = product_as_admin(&app, &admin, &reviewed).await;
    assert_eq!(kept["status"], "archived");
    assert_eq!(Summary::of_product(&kept).total, 1, "its counts kept");
    assert_eq!(
        app.get(&format!("/api/v1/products/{plain}"), Some(&admin))
            .await
            .status(),
        404,
        "a product without reviews is deleted"
    );
    let listed = admin_reviews(&app, &admin, &format!("?product_id={reviewed}")).await;
    assert_eq!(ids(&listed), std::slice::from_ref(&id));
}
