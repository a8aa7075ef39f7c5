use std::collections::HashMap;
use std::sync::Arc;

use merx::wiring::Stores;
use merx::{Application, Config};
use merx_kernel::ShiftedClock;
use merx_memory::LogMailer;
use merx_test_db::TestDatabase;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

pub const ADMIN_EMAIL: &str = "admin@merx.test";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Memory,
    Postgres,
}

/// Runs each named `async fn(Store)` as two tests: `<name>::memory` and `<name>::postgres`.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread")]
                async fn memory() {
                    super::$name($crate::helpers::Store::Memory).await;
                }
                #[tokio::test(flavor = "multi_thread")]
                async fn postgres() {
                    super::$name($crate::helpers::Store::Postgres).await;
                }
            }
        )*
    };
}

pub struct TestApp {
    /// The app's clock: tests move it forward instead of sleeping past an expiry.
    pub clock: Arc<ShiftedClock>,
    pub address: String,
    pub client: reqwest::Client,
    pub mailer: Arc<LogMailer>,
    pub db: Option<Arc<TestDatabase>>,
    pub config: Config,
}

/// The settings every test app starts from: a free port, cheap bcrypt, a known admin.
pub fn test_config() -> Config {
    let vars: HashMap<String, String> = [
        ("HOST", "127.0.0.1"),
        ("PORT", "0"),
        ("BCRYPT_COST", "4"),
        ("JWT_SECRET", JWT_SECRET),
        ("MERX_ADMIN_EMAIL", ADMIN_EMAIL),
        ("MERX_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ("MERX_WORKERS", "1"),
        ("MERX_DEMO_DATA", "false"),
        ("MERX_CATALOG_CACHE_MS", "0"),
        // Tests send far more than a client would from one address; the rate-limit tests
        // turn limits on with their own.
        ("MERX_RATE_LIMITS", "off"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Config::from_vars(&vars).expect("test config is valid")
}

pub async fn spawn_app(store: Store) -> TestApp {
    spawn_app_with(store, |_| {}).await
}

/// Starts the app with the test config changed by `tweak`.
pub async fn spawn_app_with(store: Store, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let db = match store {
        Store::Memory => None,
        Store::Postgres => Some(Arc::new(TestDatabase::new().await)),
    };
    let mut config = test_config();
    config.database_url = db.as_ref().map(|d| d.url().to_owned());
    tweak(&mut config);
    start(config, db).await
}

/// Starts an app on `config` (e.g. a second instance on the same database).
pub async fn start(config: Config, db: Option<Arc<TestDatabase>>) -> TestApp {
    start_on_clock(config, db, Arc::new(ShiftedClock::default())).await
}

/// Starts another instance beside `first`: the same database and the same clock.
pub async fn start_beside(first: &TestApp) -> TestApp {
    start_on_clock(first.config.clone(), first.db.clone(), first.clock.clone()).await
}

async fn start_on_clock(
    config: Config,
    db: Option<Arc<TestDatabase>>,
    clock: Arc<ShiftedClock>,
) -> TestApp {
    let mut stores = Stores::from_config(&config).await.expect("stores open");
    stores.clock = clock.clone();
    let app = Application::build_with_stores(config.clone(), &stores)
        .await
        .expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let mailer = app.mailer.clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        clock,
        address,
        client,
        mailer,
        db,
        config,
    }
}

impl TestApp {
    /// Moves this app's clock `seconds` forward (and any instance started beside it).
    pub fn advance(&self, seconds: i64) {
        self.clock.advance(chrono::Duration::seconds(seconds));
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.request(Method::GET, path);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn post(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        self.send(Method::POST, path, body, token).await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: &Value,
        token: Option<&str>,
    ) -> Response {
        let mut req = self.request(method, path).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn register(&self, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/register",
            &json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/api/v1/auth/login",
            &json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    /// Registers and signs in a customer; returns the token response.
    pub async fn customer(&self, email: &str) -> Tokens {
        assert_eq!(self.register(email, "password-123").await.status(), 201);
        Tokens::from(self.login(email, "password-123").await).await
    }

    pub async fn admin(&self) -> Tokens {
        Tokens::from(self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await).await
    }

    /// The newest token emailed to `to`, waiting up to 5 s for it (some mail leaves after
    /// the answer).
    pub async fn emailed_token(&self, to: &str) -> String {
        for _ in 0..100 {
            if let Some(token) = self.mailer.last_to(to).and_then(|m| m.token) {
                return token;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no email with a token reached {to}");
    }
}

pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub user_id: String,
}

impl Tokens {
    pub async fn from(res: Response) -> Self {
        assert_eq!(res.status(), 200, "login should succeed");
        let body: Value = res.json().await.expect("json");
        Self {
            access: body["access_token"].as_str().expect("access").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh").to_owned(),
            user_id: body["user"]["id"].as_str().expect("user id").to_owned(),
        }
    }
}

/// Reads a JSON body after checking the status (the body is shown when it differs).
pub async fn json_of(res: Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.expect("json");
    assert_eq!(got, status, "{body}");
    body
}

/// Reads a JSON error body and checks the spec's shape; returns it.
pub async fn error_body(res: Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status(), status, "status");
    let header_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = res.json().await.expect("error bodies are JSON");
    assert_eq!(body["error"], code, "error code in {body}");
    assert!(body["message"].is_string(), "message in {body}");
    assert!(body["details"].is_object(), "details in {body}");
    assert!(body["timestamp"].is_string(), "timestamp in {body}");
    assert_eq!(
        body["request_id"].as_str(),
        header_id.as_deref(),
        "request_id matches X-Request-ID"
    );
    body
}
