//! A fake Stripe (providers.md §0-§1): form-encoded v1 requests with bracket keys, a pinned
//! `Stripe-Version`, the `ui_mode` spelling of that version, the `success_url`/`return_url`
//! rules, idempotency replay (`Idempotent-Replayed: true`) and conflict (400
//! `idempotency_error`), Stripe's error bodies, injected 429/5xx, and signed webhook events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value, json};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

pub const SECRET_KEY: &str = "sk_test_merx_fake";
pub const PUBLISHABLE_KEY: &str = "pk_test_merx_fake";
pub const WEBHOOK_SECRET: &str = "whsec_merx_fake";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub form: Vec<(String, String)>,
    pub idempotency_key: Option<String>,
    pub replayed: bool,
}

impl Seen {
    #[must_use]
    pub fn field(&self, key: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// An idempotent request's (key, method, path).
type IdempotencyScope = (String, String, String);
/// What the first request under a key sent and got: (form, status, body).
type Saved = (Vec<(String, String)>, u16, Value);

#[derive(Default)]
struct State {
    sessions: HashMap<String, Value>,
    intents: HashMap<String, Value>,
    /// (key, method, path) → (form, status, body).
    idempotent: HashMap<IdempotencyScope, Saved>,
    /// Statuses the next requests answer with instead of being served.
    failures: Vec<u16>,
    seen: Vec<Seen>,
    next: u64,
}

/// The fake, served on a local port.
pub struct FakeStripe {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn error(
    status: u16,
    kind: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> (u16, Value) {
    (
        status,
        json!({"error": {"type": kind, "code": code, "param": param, "message": message,
            "doc_url": code.map(|c| format!("https://stripe.com/docs/error-codes/{c}"))}}),
    )
}

fn invalid(param: &str, message: &str) -> (u16, Value) {
    error(
        400,
        "invalid_request_error",
        Some("parameter_invalid"),
        Some(param),
        message,
    )
}

impl FakeStripe {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let server = crate::serve(Handler(state.clone())).await;
        Self { server, state }
    }

    /// `STRIPE_API_BASE`.
    #[must_use]
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// The next `times` requests answer `status` (429 is not saved under an idempotency key,
    /// as Stripe's rate limiter answers before the endpoint runs; 5xx are, as Stripe does).
    pub fn fail_next(&self, status: u16, times: usize) {
        lock(&self.state)
            .failures
            .extend(std::iter::repeat_n(status, times));
    }

    #[must_use]
    pub fn requests(&self) -> Vec<Seen> {
        lock(&self.state).seen.clone()
    }

    #[must_use]
    pub fn session(&self, id: &str) -> Option<Value> {
        lock(&self.state).sessions.get(id).cloned()
    }

    /// The buyer pays a Checkout Session on Stripe's page: it completes, paid, with a new
    /// PaymentIntent (carrying the session's metadata). Answers the session.
    pub fn pay_session(&self, id: &str) -> Value {
        let mut state = lock(&self.state);
        state.next += 1;
        let pi = format!("pi_fake_{}", state.next);
        let session = state.sessions.get_mut(id).expect("a session of the fake");
        session["status"] = json!("complete");
        session["payment_status"] = json!("paid");
        session["payment_intent"] = json!(pi);
        let intent = json!({"id": pi, "object": "payment_intent", "status": "succeeded",
            "amount": session["amount_total"], "amount_received": session["amount_total"],
            "currency": session["currency"], "metadata": session["metadata"],
            "amount_refunded": 0, "client_secret": format!("{pi}_secret_x")});
        let session = session.clone();
        state.intents.insert(pi, intent);
        session
    }

    /// The buyer pays a PaymentIntent with Stripe.js. Answers it.
    pub fn pay_intent(&self, id: &str) -> Value {
        let mut state = lock(&self.state);
        let intent = state.intents.get_mut(id).expect("an intent of the fake");
        intent["status"] = json!("succeeded");
        intent["amount_received"] = intent["amount"].clone();
        intent.clone()
    }

    #[must_use]
    pub fn intent(&self, id: &str) -> Option<Value> {
        lock(&self.state).intents.get(id).cloned()
    }

    /// A signed event as Stripe delivers it: the body and its `Stripe-Signature`.
    #[must_use]
    pub fn event(id: &str, kind: &str, object: &Value) -> (String, String) {
        let body = json!({"id": id, "object": "event", "api_version": merx_stripe::STRIPE_VERSION,
            "created": chrono::Utc::now().timestamp(), "livemode": false, "pending_webhooks": 1,
            "request": {"id": null, "idempotency_key": null}, "type": kind,
            "data": {"object": object}})
        .to_string();
        let header = merx_stripe::signature_header(
            WEBHOOK_SECRET,
            chrono::Utc::now().timestamp(),
            body.as_bytes(),
        );
        (body, header)
    }
}

struct Handler(Arc<Mutex<State>>);

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.0);
        let method = request.method.to_string();
        let path = request.url.path().to_owned();
        let form: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&request.body).unwrap_or_default();
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let key = header("Idempotency-Key").filter(|_| method == "POST");
        let mut seen = Seen {
            method: method.clone(),
            path: path.clone(),
            form: form.clone(),
            idempotency_key: key.clone(),
            replayed: false,
        };
        let answer = |status: u16, body: &Value| {
            ResponseTemplate::new(status)
                .insert_header("Request-Id", "req_fake")
                .set_body_json(body)
        };
        let authorized = header("Authorization")
            .is_some_and(|a| a == format!("Bearer {SECRET_KEY}") || a.starts_with("Basic "));
        if !authorized {
            state.seen.push(seen);
            let (s, b) = error(
                401,
                "invalid_request_error",
                None,
                None,
                "Invalid API Key provided",
            );
            return answer(s, &b);
        }
        if header("Stripe-Version").as_deref() != Some(merx_stripe::STRIPE_VERSION) {
            state.seen.push(seen);
            let (s, b) = invalid("Stripe-Version", "this fake serves one pinned API version");
            return answer(s, &b);
        }
        if let Some(k) = &key
            && let Some((first, status, body)) = state
                .idempotent
                .get(&(k.clone(), method.clone(), path.clone()))
                .cloned()
        {
            seen.replayed = true;
            state.seen.push(seen);
            if first != form {
                let (s, b) = error(
                    400,
                    "idempotency_error",
                    None,
                    None,
                    "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                );
                return answer(s, &b);
            }
            return answer(status, &body).insert_header("Idempotent-Replayed", "true");
        }
        state.seen.push(seen);
        if !state.failures.is_empty() {
            let status = state.failures.remove(0);
            let (s, b) = if status == 429 {
                error(
                    429,
                    "invalid_request_error",
                    Some("rate_limit"),
                    None,
                    "Too many requests",
                )
            } else {
                error(
                    status,
                    "api_error",
                    None,
                    None,
                    "Something went wrong on Stripe's end.",
                )
            };
            if status >= 500
                && let Some(k) = key
            {
                state
                    .idempotent
                    .insert((k, method, path), (form, s, b.clone()));
            }
            return answer(s, &b);
        }
        let (status, body) = serve(&mut state, &method, &path, &form);
        if let Some(k) = key
            && status < 400
        {
            state
                .idempotent
                .insert((k, method, path), (form, status, body.clone()));
        }
        answer(status, &body)
    }
}

fn field<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn map_of(form: &[(String, String)], prefix: &str) -> Map<String, Value> {
    form.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.strip_suffix(']'))
                .filter(|name| !name.contains('['))
                .map(|name| (name.to_owned(), Value::String(v.clone())))
        })
        .collect()
}

fn serve(state: &mut State, method: &str, path: &str, form: &[(String, String)]) -> (u16, Value) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("POST", ["v1", "checkout", "sessions"]) => create_session(state, form),
        ("GET", ["v1", "checkout", "sessions", id]) => match state.sessions.get(*id) {
            Some(s) => (200, s.clone()),
            None => missing(id),
        },
        ("POST", ["v1", "checkout", "sessions", id, "expire"]) => {
            match state.sessions.get_mut(*id) {
                Some(s) if s["status"] == "open" => {
                    s["status"] = json!("expired");
                    (200, s.clone())
                }
                Some(_) => invalid(
                    "session",
                    "Only Checkout Sessions with a status in [\"open\"] can be expired.",
                ),
                None => missing(id),
            }
        }
        ("POST", ["v1", "payment_intents"]) => create_intent(state, form),
        ("GET", ["v1", "payment_intents", id]) => match state.intents.get(*id) {
            Some(i) => (200, i.clone()),
            None => missing(id),
        },
        ("POST", ["v1", "refunds"]) => refund(state, form),
        _ => error(
            404,
            "invalid_request_error",
            None,
            None,
            "Unrecognized request URL",
        ),
    }
}

fn missing(id: &str) -> (u16, Value) {
    error(
        404,
        "invalid_request_error",
        Some("resource_missing"),
        Some("id"),
        &format!("No such object: '{id}'"),
    )
}

fn create_session(state: &mut State, form: &[(String, String)]) -> (u16, Value) {
    if field(form, "mode") != Some("payment") {
        return invalid("mode", "Merx's fake serves mode=payment");
    }
    let ui_mode = field(form, "ui_mode").unwrap_or("hosted_page");
    // The 2026-03-25.dahlia rename: the old spellings fail.
    if !["hosted_page", "embedded_page", "elements", "form"].contains(&ui_mode) {
        return invalid("ui_mode", &format!("Invalid ui_mode: {ui_mode}"));
    }
    let hosted = ui_mode == "hosted_page";
    if !hosted && (field(form, "success_url").is_some() || field(form, "cancel_url").is_some()) {
        return invalid(
            "success_url",
            "This parameter is not allowed if ui_mode is embedded_page or elements.",
        );
    }
    if hosted && field(form, "return_url").is_some() {
        return invalid(
            "return_url",
            "return_url is only allowed with ui_mode embedded_page or elements",
        );
    }
    let now = chrono::Utc::now().timestamp();
    let expires_at = match field(form, "expires_at").map(str::parse::<i64>) {
        None => now + 86_400,
        Some(Ok(t)) if t >= now + 1_800 - 5 && t <= now + 86_400 => t,
        Some(_) => {
            return invalid(
                "expires_at",
                "expires_at must be 30 minutes to 24 hours from now",
            );
        }
    };
    let mut total: i64 = 0;
    let mut currency = None;
    let mut i = 0;
    while let Some(q) = field(form, &format!("line_items[{i}][quantity]")) {
        let Ok(q) = q.parse::<i64>() else {
            return invalid("quantity", "Invalid integer");
        };
        let Some(Ok(unit)) = field(form, &format!("line_items[{i}][price_data][unit_amount]"))
            .map(str::parse::<i64>)
        else {
            return invalid("unit_amount", "Invalid integer");
        };
        currency = field(form, &format!("line_items[{i}][price_data][currency]"));
        total += unit * q;
        i += 1;
    }
    if i == 0 {
        return invalid("line_items", "line_items is required in payment mode");
    }
    state.next += 1;
    let id = format!("cs_test_fake{}", state.next);
    let session = json!({
        "id": id, "object": "checkout.session", "mode": "payment", "ui_mode": ui_mode,
        "status": "open", "payment_status": "unpaid", "amount_subtotal": total,
        "amount_total": total, "currency": currency,
        "client_reference_id": field(form, "client_reference_id"),
        "customer_email": field(form, "customer_email"),
        "metadata": map_of(form, "metadata"), "payment_intent": null,
        "expires_at": expires_at, "created": now, "livemode": false,
        "success_url": field(form, "success_url"), "return_url": field(form, "return_url"),
        "url": hosted.then(|| format!("https://checkout.stripe.com/c/pay/{id}")),
        "client_secret": (!hosted).then(|| format!("{id}_secret_fake")),
    });
    state.sessions.insert(id, session.clone());
    (200, session)
}

fn create_intent(state: &mut State, form: &[(String, String)]) -> (u16, Value) {
    let Some(Ok(amount)) = field(form, "amount").map(str::parse::<i64>) else {
        return invalid("amount", "Invalid integer");
    };
    if amount <= 0 {
        return invalid("amount", "Amount must be at least 1");
    }
    let Some(currency) = field(form, "currency") else {
        return invalid("currency", "Missing required param: currency.");
    };
    state.next += 1;
    let id = format!("pi_fake_{}", state.next);
    let intent = json!({"id": id, "object": "payment_intent", "amount": amount,
        "amount_received": 0, "currency": currency, "status": "requires_payment_method",
        "client_secret": format!("{id}_secret_fake"), "metadata": map_of(form, "metadata"),
        "amount_refunded": 0, "created": chrono::Utc::now().timestamp(), "livemode": false});
    state.intents.insert(id, intent.clone());
    (200, intent)
}

fn refund(state: &mut State, form: &[(String, String)]) -> (u16, Value) {
    let Some(pi) = field(form, "payment_intent") else {
        return invalid(
            "payment_intent",
            "One of charge or payment_intent is required",
        );
    };
    let Some(intent) = state.intents.get_mut(pi) else {
        return missing(pi);
    };
    let received = intent["amount_received"].as_i64().unwrap_or(0);
    let refunded = intent["amount_refunded"].as_i64().unwrap_or(0);
    let amount = field(form, "amount")
        .and_then(|a| a.parse::<i64>().ok())
        .unwrap_or(received - refunded);
    if received == 0 || amount > received - refunded || amount <= 0 {
        return error(
            400,
            "invalid_request_error",
            Some("amount_too_large"),
            Some("amount"),
            "Refund amount is greater than the unrefunded amount on the charge.",
        );
    }
    intent["amount_refunded"] = json!(refunded + amount);
    let currency = intent["currency"].clone();
    state.next += 1;
    let id = format!("re_fake_{}", state.next);
    (
        200,
        json!({"id": id, "object": "refund", "amount": amount, "currency": currency,
        "payment_intent": pi, "status": "succeeded", "metadata": map_of(form, "metadata"),
        "created": chrono::Utc::now().timestamp()}),
    )
}
