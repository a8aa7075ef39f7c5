//! A fake TossPayments (providers.md §2): `Authorization: Basic base64(secret + ":")` (the
//! colon too), JSON bodies, whole won, `{code, message}` errors with Korean messages,
//! `ALREADY_PROCESSED_PAYMENT`, partial and full cancels, Idempotency-Key replay (key + method
//! + URL: the first answer is returned, whatever the body), and unsigned webhooks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

pub const SECRET_KEY: &str = "test_sk_merx_fake";
pub const CLIENT_KEY: &str = "test_gck_merx_fake";

#[derive(Default)]
struct State {
    /// By paymentKey.
    payments: HashMap<String, Value>,
    /// Payment keys whose card company refuses.
    refused: Vec<String>,
    idempotent: HashMap<(String, String, String), (u16, Value)>,
    failures: Vec<u16>,
    confirms: usize,
    /// Answer `ALREADY_PROCESSED_PAYMENT` for a processed payment before comparing its
    /// `orderId` and amount (Toss does not promise the order of its checks).
    processed_first: bool,
    next: u64,
}

pub struct FakeToss {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn error(status: u16, code: &str, message: &str) -> (u16, Value) {
    (status, json!({"code": code, "message": message}))
}

/// What Toss expects: the secret key as the user, an empty password, so a trailing colon.
fn basic() -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{SECRET_KEY}:"));
    format!("Basic {encoded}")
}

impl FakeToss {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let server = crate::serve(Handler(state.clone())).await;
        Self { server, state }
    }

    /// `TOSS_API_BASE`.
    #[must_use]
    pub fn url(&self) -> String {
        self.server.uri()
    }

    /// The buyer authorises `amount` won for `order_id` in the widget (status
    /// `IN_PROGRESS`); answers the paymentKey the success redirect carries.
    pub fn authorize(&self, order_id: &str, amount: i64) -> String {
        let mut state = lock(&self.state);
        state.next += 1;
        let key = format!("tgen_fake{:06}", state.next);
        state.payments.insert(
            key.clone(),
            json!({"mId": "tosspayments", "version": "2022-11-16", "paymentKey": key,
                "orderId": order_id, "orderName": "Merx order", "currency": "KRW",
                "method": "카드", "status": "IN_PROGRESS", "totalAmount": amount,
                "balanceAmount": amount, "suppliedAmount": amount, "vat": 0,
                "lastTransactionKey": null, "cancels": null, "secret": null,
                "requestedAt": "2026-12-01T09:00:00+09:00", "approvedAt": null}),
        );
        key
    }

    /// The buyer chose a virtual account: confirmed, it waits for the deposit, with the
    /// `secret` Toss's deposit callback will carry.
    pub fn issue_virtual_account(&self, payment_key: &str) -> String {
        let mut state = lock(&self.state);
        state.next += 1;
        let secret = format!("ps_fake{:06}", state.next);
        if let Some(p) = state.payments.get_mut(payment_key) {
            p["method"] = json!("가상계좌");
            p["status"] = json!("WAITING_FOR_DEPOSIT");
            p["secret"] = json!(secret);
        }
        secret
    }

    /// The buyer paid into the virtual account: the payment is done; answers the
    /// `DEPOSIT_CALLBACK` body Toss sends, with `secret`.
    pub fn deposit(&self, payment_key: &str, secret: &str) -> String {
        let mut state = lock(&self.state);
        state.next += 1;
        let tx = format!("txfake{:06}", state.next);
        let p = state
            .payments
            .get_mut(payment_key)
            .expect("a payment of the fake");
        p["status"] = json!("DONE");
        p["lastTransactionKey"] = json!(tx);
        json!({"createdAt": "2026-12-01T10:00:00.000000", "secret": secret, "status": "DONE",
               "transactionKey": tx, "orderId": p["orderId"]})
        .to_string()
    }

    /// The payment is done at Toss without Merx's confirm reaching it (a lost answer).
    pub fn complete(&self, payment_key: &str) {
        let mut state = lock(&self.state);
        state.next += 1;
        let tx = format!("txfake{:06}", state.next);
        if let Some(p) = state.payments.get_mut(payment_key) {
            p["status"] = json!("DONE");
            p["lastTransactionKey"] = json!(tx);
        }
    }

    /// From now on, a confirm of a payment already processed is answered
    /// `ALREADY_PROCESSED_PAYMENT` whatever `orderId` and amount it names.
    pub fn answer_already_processed_first(&self) {
        lock(&self.state).processed_first = true;
    }

    /// The card company refuses this payment at confirm.
    pub fn refuse(&self, payment_key: &str) {
        lock(&self.state).refused.push(payment_key.to_owned());
    }

    pub fn fail_next(&self, status: u16, times: usize) {
        lock(&self.state)
            .failures
            .extend(std::iter::repeat_n(status, times));
    }

    #[must_use]
    pub fn payment(&self, key: &str) -> Option<Value> {
        lock(&self.state).payments.get(key).cloned()
    }

    /// How many confirm requests reached the endpoint (replays included).
    #[must_use]
    pub fn confirms(&self) -> usize {
        lock(&self.state).confirms
    }

    /// A `PAYMENT_STATUS_CHANGED` body as Toss sends it (unsigned), claiming `status`.
    #[must_use]
    pub fn webhook(&self, payment_key: &str, status: &str) -> String {
        let mut data = self
            .payment(payment_key)
            .unwrap_or_else(|| json!({"paymentKey": payment_key}));
        data["status"] = json!(status);
        json!({"eventType": "PAYMENT_STATUS_CHANGED", "createdAt": "2026-12-01T09:00:00.000000",
               "data": data})
        .to_string()
    }
}

struct Handler(Arc<Mutex<State>>);

impl Respond for Handler {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = lock(&self.0);
        let answer =
            |(status, body): (u16, Value)| ResponseTemplate::new(status).set_body_json(body);
        let auth = request
            .headers
            .get("Authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(basic().as_str()) {
            return answer(error(
                401,
                "UNAUTHORIZED_KEY",
                "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.",
            ));
        }
        let method = request.method.to_string();
        let path = request.url.path().to_owned();
        let key = request
            .headers
            .get("Idempotency-Key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if path == "/v1/payments/confirm" {
            state.confirms += 1;
        }
        if let Some(k) = &key
            && let Some(saved) = state
                .idempotent
                .get(&(k.clone(), method.clone(), path.clone()))
        {
            return answer(saved.clone());
        }
        if !state.failures.is_empty() {
            let status = state.failures.remove(0);
            return answer(error(
                status,
                "FAILED_INTERNAL_SYSTEM_PROCESSING",
                "내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.",
            ));
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let result = serve(&mut state, &method, &path, &body);
        if let Some(k) = key
            && method == "POST"
        {
            state.idempotent.insert((k, method, path), result.clone());
        }
        answer(result)
    }
}

fn serve(state: &mut State, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let not_found = || error(404, "NOT_FOUND_PAYMENT", "존재하지 않는 결제 입니다.");
    match (method, parts.as_slice()) {
        ("POST", ["v1", "payments", "confirm"]) => {
            let (Some(key), Some(order_id), Some(amount)) = (
                body.get("paymentKey").and_then(Value::as_str),
                body.get("orderId").and_then(Value::as_str),
                body.get("amount").and_then(Value::as_i64),
            ) else {
                return error(400, "INVALID_REQUEST", "잘못된 요청입니다.");
            };
            let refused = state.refused.iter().any(|r| r == key);
            let processed_first = state.processed_first;
            state.next += 1;
            let tx = format!("txfake{:06}", state.next);
            let Some(p) = state.payments.get_mut(key) else {
                return not_found();
            };
            if processed_first && p["status"] != "IN_PROGRESS" {
                return error(400, "ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다.");
            }
            if p["orderId"] != order_id || p["totalAmount"] != amount {
                return error(400, "INVALID_REQUEST", "잘못된 요청입니다.");
            }
            if p["status"] != "IN_PROGRESS" {
                return error(400, "ALREADY_PROCESSED_PAYMENT", "이미 처리된 결제 입니다.");
            }
            if refused {
                p["status"] = json!("ABORTED");
                return error(
                    400,
                    "INVALID_REJECT_CARD",
                    "카드 사용이 거절되었습니다. 카드사 문의가 필요한 결제입니다.",
                );
            }
            p["status"] = json!("DONE");
            p["approvedAt"] = json!("2026-12-01T09:01:00+09:00");
            p["lastTransactionKey"] = json!(tx);
            (200, p.clone())
        }
        ("GET", ["v1", "payments", "orders", order_id]) => state
            .payments
            .values()
            .filter(|p| p["orderId"] == *order_id)
            .find(|p| p["status"] != "ABORTED")
            .map_or_else(not_found, |p| (200, p.clone())),
        ("GET", ["v1", "payments", key]) => state
            .payments
            .get(*key)
            .map_or_else(not_found, |p| (200, p.clone())),
        ("POST", ["v1", "payments", key, "cancel"]) => {
            let Some(reason) = body.get("cancelReason").and_then(Value::as_str) else {
                return error(400, "INVALID_REQUEST", "취소 사유를 입력해주세요.");
            };
            state.next += 1;
            let tx = format!("txfake{:06}", state.next);
            let Some(p) = state.payments.get_mut(*key) else {
                return not_found();
            };
            if !(p["status"] == "DONE" || p["status"] == "PARTIAL_CANCELED") {
                return error(
                    400,
                    "NOT_CANCELABLE_PAYMENT",
                    "취소 할 수 없는 결제 입니다.",
                );
            }
            let balance = p["balanceAmount"].as_i64().unwrap_or(0);
            let amount = body
                .get("cancelAmount")
                .and_then(Value::as_i64)
                .unwrap_or(balance);
            if amount <= 0 || amount > balance {
                return error(400, "NOT_CANCELABLE_AMOUNT", "취소 할 수 없는 금액 입니다.");
            }
            let left = balance - amount;
            p["balanceAmount"] = json!(left);
            p["status"] = json!(if left == 0 {
                "CANCELED"
            } else {
                "PARTIAL_CANCELED"
            });
            p["lastTransactionKey"] = json!(tx);
            let mut cancels = p["cancels"].as_array().cloned().unwrap_or_default();
            cancels.push(json!({"cancelReason": reason, "cancelAmount": amount,
                "taxFreeAmount": 0, "refundableAmount": left, "transactionKey": tx,
                "canceledAt": "2026-12-01T09:05:00+09:00"}));
            p["cancels"] = json!(cancels);
            (200, p.clone())
        }
        _ => error(404, "NOT_FOUND", "요청한 리소스를 찾을 수 없습니다."),
    }
}
