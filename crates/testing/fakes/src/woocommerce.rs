//! A fake WooCommerce REST API v3 (providers.md §3): HTTP Basic with the consumer key and
//! secret, or the keys in the query string (and a mode where the server strips the
//! `Authorization` header: "Consumer key is missing"); products and variations with unique
//! SKUs (`product_invalid_sku` with `resource_id`); a product's type changed in place by an
//! update naming another; variation calls on a product that is not variable, or naming a
//! product as the variation, refused with `woocommerce_rest_product_variation_invalid_id`;
//! batches of at most 100 objects (413 past it) answering each item's own error, paged lists
//! with `X-WP-Total`, `X-WP-TotalPages` and `Link`, `per_page` over 100 refused, orders with
//! decimal-string totals, `{code, message, data: {status}}` errors, statuses to answer first
//! (a 503 outage), and signed webhook bodies.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

pub const CONSUMER_KEY: &str = "ck_merx_fake";
pub const CONSUMER_SECRET: &str = "cs_merx_fake";
pub const WEBHOOK_SECRET: &str = "wc-webhook-secret";

const PREFIX: &str = "/wp-json/wc/v3";

#[derive(Default)]
struct State {
    products: BTreeMap<i64, Value>,
    /// By variation id: (parent product id, variation).
    variations: BTreeMap<i64, (i64, Value)>,
    orders: BTreeMap<i64, Value>,
    next: i64,
    strip_authorization: bool,
    failures: Vec<u16>,
    /// `METHOD /path` of every request that passed authentication.
    calls: Vec<String>,
}

/// A running fake store.
#[derive(Clone)]
pub struct FakeWooCommerce {
    server: Arc<MockServer>,
    state: Arc<Mutex<State>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (
        status,
        json!({"code": code, "message": message, "data": {"status": status}}),
    )
}

impl FakeWooCommerce {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            next: 100,
            ..State::default()
        }));
        let server = crate::serve(Handler(state.clone())).await;
        Self {
            server: Arc::new(server),
            state,
        }
    }

    /// `WOOCOMMERCE_URL` (the site; the API is under `/wp-json/wc/v3`).
    #[must_use]
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// From now on the server never sees the `Authorization` header (a host that strips it).
    pub fn strip_authorization(&self) {
        lock(&self.state).strip_authorization = true;
    }

    /// The next requests answer these statuses (in order) before any is served.
    pub fn fail_next(&self, statuses: &[u16]) {
        lock(&self.state).failures.extend_from_slice(statuses);
    }

    /// The store answers again: the statuses still queued are dropped.
    pub fn recover(&self) {
        lock(&self.state).failures.clear();
    }

    /// `METHOD /path` of the requests served so far (after authentication).
    #[must_use]
    pub fn calls(&self) -> Vec<String> {
        lock(&self.state).calls.clone()
    }

    #[must_use]
    pub fn products(&self) -> Vec<Value> {
        lock(&self.state).products.values().cloned().collect()
    }

    #[must_use]
    pub fn product(&self, id: i64) -> Option<Value> {
        let state = lock(&self.state);
        state.products.get(&id).map(|p| with_variations(&state, p))
    }

    /// The variations of product `id`.
    #[must_use]
    pub fn variations(&self, id: i64) -> Vec<Value> {
        lock(&self.state)
            .variations
            .values()
            .filter(|(parent, _)| *parent == id)
            .map(|(_, v)| v.clone())
            .collect()
    }

    #[must_use]
    pub fn orders(&self) -> Vec<Value> {
        lock(&self.state).orders.values().cloned().collect()
    }

    /// A shopper bought at the store: the product's (or variation's) managed stock changes.
    pub fn set_stock(&self, product: i64, variation: Option<i64>, quantity: i64) {
        let mut state = lock(&self.state);
        let target = match variation {
            Some(v) => state.variations.get_mut(&v).map(|(_, v)| v),
            None => state.products.get_mut(&product),
        };
        if let Some(t) = target {
            t["manage_stock"] = json!(true);
            t["stock_quantity"] = json!(quantity);
            t["date_modified_gmt"] = json!(chrono::Utc::now().to_rfc3339());
        }
    }

    /// The `product.updated` delivery WooCommerce would send now: the product as `GET`
    /// answers it, and the headers (signed with `secret`).
    #[must_use]
    pub fn product_updated(&self, id: i64, secret: &str) -> (Vec<u8>, Vec<(String, String)>) {
        let body = serde_json::to_vec(&self.product(id).unwrap_or_else(|| json!({"id": id})))
            .unwrap_or_default();
        let headers = vec![
            (
                "X-WC-Webhook-Topic".to_owned(),
                "product.updated".to_owned(),
            ),
            ("X-WC-Webhook-Resource".to_owned(), "product".to_owned()),
            ("X-WC-Webhook-Event".to_owned(), "updated".to_owned()),
            ("X-WC-Webhook-Source".to_owned(), format!("{}/", self.url())),
            ("X-WC-Webhook-ID".to_owned(), "12".to_owned()),
            ("X-WC-Webhook-Delivery-ID".to_owned(), "abc123".to_owned()),
            ("X-WC-Webhook-Signature".to_owned(), sign(secret, &body)),
        ];
        (body, headers)
    }
}

/// `base64(HMAC-SHA256(secret, body))`, WooCommerce's webhook signature.
#[must_use]
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn with_variations(state: &State, product: &Value) -> Value {
    let mut p = product.clone();
    let id = p["id"].as_i64().unwrap_or_default();
    p["variations"] = state
        .variations
        .iter()
        .filter(|(_, (parent, _))| *parent == id)
        .map(|(vid, _)| json!(vid))
        .collect();
    p
}

struct Handler(Arc<Mutex<State>>);

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.0);
        let (status, body, headers) = handle(&mut state, request);
        let mut template = ResponseTemplate::new(status).set_body_json(body);
        for (k, v) in headers {
            template = template.insert_header(k.as_str(), v.as_str());
        }
        template
    }
}

type Answer = (u16, Value, Vec<(String, String)>);

fn plain((status, body): (u16, Value)) -> Answer {
    (status, body, Vec::new())
}

fn query(request: &Request) -> BTreeMap<String, String> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn authenticated(
    state: &State,
    request: &Request,
    q: &BTreeMap<String, String>,
) -> Result<(), (u16, Value)> {
    let from_query = (q.get("consumer_key"), q.get("consumer_secret"));
    if let (Some(key), Some(secret)) = from_query {
        return if key == CONSUMER_KEY && secret == CONSUMER_SECRET {
            Ok(())
        } else {
            Err(error(
                401,
                "woocommerce_rest_authentication_error",
                "Consumer secret is invalid.",
            ))
        };
    }
    let header = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .filter(|_| !state.strip_authorization);
    let Some(header) = header else {
        return Err(error(
            401,
            "woocommerce_rest_authentication_error",
            "Consumer key is missing.",
        ));
    };
    let expected = base64::engine::general_purpose::STANDARD
        .encode(format!("{CONSUMER_KEY}:{CONSUMER_SECRET}"));
    if header == format!("Basic {expected}") {
        Ok(())
    } else {
        Err(error(
            401,
            "woocommerce_rest_authentication_error",
            "Consumer secret is invalid.",
        ))
    }
}

fn handle(state: &mut State, request: &Request) -> Answer {
    let q = query(request);
    if let Err(refused) = authenticated(state, request, &q) {
        return plain(refused);
    }
    if !state.failures.is_empty() {
        let status = state.failures.remove(0);
        return plain(error(
            status,
            "internal_server_error",
            "The store is having trouble.",
        ));
    }
    let Some(path) = request.url.path().strip_prefix(PREFIX) else {
        return plain(error(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        ));
    };
    let path = path.trim_end_matches('/').to_owned();
    let method = request.method.as_str().to_owned();
    state.calls.push(format!("{method} {path}"));
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<i64>().ok();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["products"]) => {
            let sku = q.get("sku").cloned();
            let all: Vec<Value> = state
                .products
                .values()
                .filter(|p| sku.as_ref().is_none_or(|s| p["sku"] == json!(s)))
                .map(|p| with_variations(state, p))
                .collect();
            paged(all, &q, &path)
        }
        ("POST", ["products"]) => plain(create_product(state, &body)),
        ("POST", ["products", "batch"]) => plain(batch(state, &body, None)),
        ("GET", ["products", pid]) => plain(match id(pid).and_then(|i| state.products.get(&i)) {
            Some(p) => (200, with_variations(state, p)),
            None => error(404, "woocommerce_rest_product_invalid_id", "Invalid ID."),
        }),
        ("PUT", ["products", pid]) => plain(update_product(state, id(pid).unwrap_or(-1), &body)),
        ("GET", ["products", pid, "variations"]) => {
            let pid = id(pid).unwrap_or(-1);
            let all: Vec<Value> = state
                .variations
                .values()
                .filter(|(parent, _)| *parent == pid)
                .map(|(_, v)| v.clone())
                .collect();
            paged(all, &q, &path)
        }
        ("POST", ["products", pid, "variations", "batch"]) => {
            plain(batch(state, &body, Some(id(pid).unwrap_or(-1))))
        }
        ("PUT", ["products", pid, "variations", vid]) => plain(update_variation(
            state,
            id(pid).unwrap_or(-1),
            id(vid).unwrap_or(-1),
            &body,
        )),
        ("GET", ["orders"]) => {
            let search = q.get("search").cloned().unwrap_or_default();
            let all: Vec<Value> = state
                .orders
                .values()
                .filter(|o| search.is_empty() || o.to_string().contains(&search))
                .cloned()
                .collect();
            paged(all, &q, &path)
        }
        ("POST", ["orders"]) => plain(create_order(state, &body)),
        _ => plain(error(
            404,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        )),
    }
}

fn paged(all: Vec<Value>, q: &BTreeMap<String, String>, path: &str) -> Answer {
    let per_page: usize = q.get("per_page").and_then(|v| v.parse().ok()).unwrap_or(10);
    if !(1..=100).contains(&per_page) {
        return plain((
            400,
            json!({"code": "rest_invalid_param", "message": "Invalid parameter(s): per_page",
                   "data": {"status": 400, "params": {"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"}}}),
        ));
    }
    let page: usize = q
        .get("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let total = all.len();
    let pages = total.div_ceil(per_page).max(1);
    let items: Vec<Value> = all
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    let mut links = Vec::new();
    let link = |p: usize, rel: &str| {
        format!("<{PREFIX}{path}?page={p}&per_page={per_page}>; rel=\"{rel}\"")
    };
    if page > 1 {
        links.push(link(page - 1, "prev"));
    }
    if page < pages {
        links.push(link(page + 1, "next"));
    }
    links.push(link(1, "first"));
    links.push(link(pages, "last"));
    (
        200,
        Value::Array(items),
        vec![
            ("X-WP-Total".into(), total.to_string()),
            ("X-WP-TotalPages".into(), pages.to_string()),
            ("Link".into(), links.join(", ")),
        ],
    )
}

/// The product or variation holding `sku`, other than `except`.
fn sku_owner(state: &State, sku: &str, except: Option<i64>) -> Option<i64> {
    if sku.is_empty() {
        return None;
    }
    state
        .products
        .iter()
        .map(|(id, p)| (*id, p))
        .chain(state.variations.iter().map(|(id, (_, v))| (*id, v)))
        .find(|(id, p)| Some(*id) != except && p["sku"] == json!(sku))
        .map(|(id, _)| id)
}

fn duplicate_sku(existing: i64, sku: &str) -> (u16, Value) {
    (
        400,
        json!({"code": "product_invalid_sku", "message": "Invalid or duplicated SKU.",
               "data": {"status": 400, "resource_id": existing, "unique_sku": format!("{sku}-1")}}),
    )
}

/// Prices are decimal strings: a JSON number is refused as WordPress's schema would.
fn bad_money(body: &Value) -> Option<(u16, Value)> {
    for field in ["regular_price", "sale_price"] {
        if body.get(field).is_some_and(|v| !v.is_string()) {
            return Some((
                400,
                json!({"code": "rest_invalid_param", "message": format!("Invalid parameter(s): {field}"),
                       "data": {"status": 400, "params": {field: format!("{field} is not of type string.")}}}),
            ));
        }
    }
    None
}

fn merge(target: &mut Value, body: &Value) {
    if let (Some(t), Some(b)) = (target.as_object_mut(), body.as_object()) {
        for (k, v) in b {
            if k != "id" {
                t.insert(k.clone(), v.clone());
            }
        }
    }
}

fn create_product(state: &mut State, body: &Value) -> (u16, Value) {
    if let Some(bad) = bad_money(body) {
        return bad;
    }
    let sku = body["sku"].as_str().unwrap_or_default();
    if let Some(existing) = sku_owner(state, sku, None) {
        return duplicate_sku(existing, sku);
    }
    state.next += 1;
    let id = state.next;
    let mut product = json!({"id": id, "type": "simple", "status": "publish", "sku": "",
        "manage_stock": false, "stock_quantity": null, "meta_data": [],
        "date_modified_gmt": chrono::Utc::now().to_rfc3339()});
    merge(&mut product, body);
    state.products.insert(id, product);
    (201, with_variations(state, &state.products[&id]))
}

fn update_product(state: &mut State, id: i64, body: &Value) -> (u16, Value) {
    if !state.products.contains_key(&id) {
        return error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.");
    }
    if let Some(bad) = bad_money(body) {
        return bad;
    }
    if let Some(sku) = body["sku"].as_str()
        && let Some(existing) = sku_owner(state, sku, Some(id))
    {
        return duplicate_sku(existing, sku);
    }
    if let Some(p) = state.products.get_mut(&id) {
        merge(p, body);
        p["date_modified_gmt"] = json!(chrono::Utc::now().to_rfc3339());
    }
    (200, with_variations(state, &state.products[&id]))
}

/// A variation call WooCommerce refuses: on a product that is not variable, or naming a
/// product (not a variation) as the variation.
fn not_a_variation() -> (u16, Value) {
    error(
        400,
        "woocommerce_rest_product_variation_invalid_id",
        "Invalid ID.",
    )
}

fn is_variable(state: &State, product: i64) -> bool {
    state
        .products
        .get(&product)
        .is_some_and(|p| p["type"] == "variable")
}

fn create_variation(state: &mut State, parent: i64, body: &Value) -> (u16, Value) {
    if !state.products.contains_key(&parent) {
        return error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.");
    }
    if !is_variable(state, parent) {
        return not_a_variation();
    }
    if let Some(bad) = bad_money(body) {
        return bad;
    }
    let sku = body["sku"].as_str().unwrap_or_default();
    if let Some(existing) = sku_owner(state, sku, None) {
        return duplicate_sku(existing, sku);
    }
    state.next += 1;
    let id = state.next;
    let mut v = json!({"id": id, "sku": "", "manage_stock": false, "stock_quantity": null});
    merge(&mut v, body);
    state.variations.insert(id, (parent, v.clone()));
    (201, v)
}

fn update_variation(state: &mut State, parent: i64, id: i64, body: &Value) -> (u16, Value) {
    let simple_parent = state.products.contains_key(&parent) && !is_variable(state, parent);
    if simple_parent || state.products.contains_key(&id) {
        return not_a_variation();
    }
    if state.variations.get(&id).is_none_or(|(p, _)| *p != parent) {
        return error(
            404,
            "woocommerce_rest_product_variation_invalid_id",
            "Invalid ID.",
        );
    }
    if let Some(bad) = bad_money(body) {
        return bad;
    }
    if let Some(sku) = body["sku"].as_str()
        && let Some(existing) = sku_owner(state, sku, Some(id))
    {
        return duplicate_sku(existing, sku);
    }
    let Some((_, v)) = state.variations.get_mut(&id) else {
        return error(
            404,
            "woocommerce_rest_product_variation_invalid_id",
            "Invalid ID.",
        );
    };
    merge(v, body);
    (200, v.clone())
}

/// A batch of products (`parent` none) or of one product's variations.
fn batch(state: &mut State, body: &Value, parent: Option<i64>) -> (u16, Value) {
    let list = |k: &str| body[k].as_array().cloned().unwrap_or_default();
    let (create, update, delete) = (list("create"), list("update"), list("delete"));
    if create.len() + update.len() + delete.len() > 100 {
        return error(
            413,
            "woocommerce_rest_request_entity_too_large",
            "Unable to accept more than 100 items for this request.",
        );
    }
    let item = |(status, v): (u16, Value), id: i64| {
        if status < 300 {
            v
        } else {
            json!({"id": id, "error": v})
        }
    };
    let mut out = Map::new();
    let created: Vec<Value> = create
        .iter()
        .map(|b| {
            let answer = match parent {
                None => create_product(state, b),
                Some(p) => create_variation(state, p, b),
            };
            item(answer, 0)
        })
        .collect();
    let updated: Vec<Value> = update
        .iter()
        .map(|b| {
            let id = b["id"].as_i64().unwrap_or(-1);
            let answer = match parent {
                None => update_product(state, id, b),
                Some(p) => update_variation(state, p, id, b),
            };
            item(answer, id)
        })
        .collect();
    out.insert("create".into(), Value::Array(created));
    out.insert("update".into(), Value::Array(updated));
    out.insert("delete".into(), Value::Array(Vec::new()));
    (200, Value::Object(out))
}

/// Digits of a decimal string as minor units, and its decimals.
fn minor(s: &str) -> (i64, usize) {
    let decimals = s.split_once('.').map_or(0, |(_, d)| d.len());
    (s.replace('.', "").parse().unwrap_or(0), decimals)
}

fn decimal(amount: i64, decimals: usize) -> String {
    if decimals == 0 {
        return amount.to_string();
    }
    let per = 10_i64.pow(u32::try_from(decimals).unwrap_or(0));
    format!(
        "{}.{:0width$}",
        amount / per,
        amount % per,
        width = decimals
    )
}

fn create_order(state: &mut State, body: &Value) -> (u16, Value) {
    let lines = body["line_items"].as_array().cloned().unwrap_or_default();
    for line in &lines {
        let product = line["product_id"].as_i64().unwrap_or(-1);
        if !state.products.contains_key(&product) {
            return error(
                400,
                "woocommerce_rest_invalid_product_id",
                "Product ID provided is invalid.",
            );
        }
        if line.get("total").is_some_and(|t| !t.is_string()) {
            return error(
                400,
                "rest_invalid_param",
                "Invalid parameter(s): line_items",
            );
        }
    }
    let mut decimals = 0;
    let mut total = 0;
    let shipping = body["shipping_lines"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let fees = body["fee_lines"].as_array().cloned().unwrap_or_default();
    for amount in lines
        .iter()
        .map(|l| &l["total"])
        .chain(shipping.iter().chain(&fees).map(|s| &s["total"]))
        .filter_map(Value::as_str)
    {
        let (m, d) = minor(amount);
        total += m;
        decimals = d;
    }
    state.next += 1;
    let id = state.next;
    let mut order = json!({"id": id, "number": id.to_string(), "status": "pending",
        "currency": "USD", "date_created_gmt": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
        "meta_data": []});
    merge(&mut order, body);
    order["total"] = json!(decimal(total, decimals));
    if body["set_paid"] == json!(true) {
        order["status"] = json!("processing");
    }
    state.orders.insert(id, order.clone());
    (201, order)
}
