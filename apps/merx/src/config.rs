//! Settings from the environment (spec §10), with rate limits and CORS origins optionally from
//! a TOML file named by `MERX_CONFIG`. Passed in, never global, so tests can vary them.

use std::collections::HashMap;

use merx_kernel::Currency;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    /// Absent: the in-memory store with demo data.
    pub database_url: Option<String>,
    pub database_pool_size: usize,
    pub redis_url: Option<String>,
    /// Checked by [`Config::jwt_secret_bytes`]; absent is allowed only without a database.
    pub jwt_secret: Option<String>,
    pub log_format: LogFormat,
    pub bcrypt_cost: u32,
    pub currency: Currency,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub cors_origins: Vec<String>,
    pub body_limit_bytes: usize,
    pub reservation_ttl_secs: u64,
    pub sweep_interval_secs: u64,
    /// HTTP worker threads; actix's default (one per core) when absent.
    pub workers: Option<usize>,
    /// Load the demo catalog at start when running on the in-memory store.
    pub demo_data: bool,
    /// `MERX_TIMEZONE`: the shop's IANA time zone, where reports cut days (default UTC).
    pub timezone: chrono_tz::Tz,
    /// `MERX_REVIEWS_MODERATION=on`: new and edited reviews wait for an admin (spec §18).
    pub reviews_moderation: bool,
    /// How long public catalog answers may be served from the per-instance cache; 0 disables.
    pub catalog_cache_ms: u64,
    /// `MERX_PRICING_DEFAULTS`: a TOML file of tax rates and shipping zones installed into a
    /// fresh store instead of the shipped `config/pricing-defaults.toml`; `none` installs none.
    pub pricing_defaults: PricingDefaultsSource,
    /// `STRIPE_SECRET_KEY` with `STRIPE_PUBLISHABLE_KEY`, `STRIPE_WEBHOOK_SECRET` and
    /// `STRIPE_API_BASE`; absent: Stripe is unavailable (`payment_method_unavailable`).
    pub stripe: Option<merx_stripe::StripeConfig>,
    /// `TOSS_SECRET_KEY` with `TOSS_CLIENT_KEY` and `TOSS_API_BASE`; absent: TossPayments is
    /// unavailable.
    pub toss: Option<merx_tosspayments::TossConfig>,
    /// The `[rate_limits]` of `MERX_CONFIG` over the spec's defaults; off with
    /// `MERX_RATE_LIMITS=off`.
    pub rate_limits: merx_kernel::RateLimits,
    /// `MERX_TRUSTED_PROXIES`: whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<crate::trusted_proxies::Cidr>,
    /// Where this deployment's rate-limit windows live in Redis (tests use their own).
    pub rate_limit_namespace: String,
    /// `WOOCOMMERCE_URL` with `WOOCOMMERCE_CONSUMER_KEY`, `WOOCOMMERCE_CONSUMER_SECRET` and
    /// optionally `WOOCOMMERCE_WEBHOOK_SECRET`; absent: the WooCommerce endpoints answer
    /// `woocommerce_unavailable` and no message is written for it.
    pub woocommerce: Option<merx_woocommerce::WooConfig>,
    /// `SMTP_URL` (lettre's URL form); absent: the log mailer.
    pub smtp_url: Option<String>,
    /// `MERX_MAIL_FROM`: the sender of every mail.
    pub mail_from: String,
    /// `MERX_OUTBOX_INTERVAL_MS`: how often this instance's outbox worker looks; 0 runs none.
    pub outbox_interval_ms: u64,
    /// `MERX_OUTBOX_RETRY_BASE_MS`: the wait after a message's first failed attempt (doubled
    /// after each further one, capped at 6 h); 30 s by default, shorter in tests.
    pub outbox_retry_base_ms: u64,
}

/// Where the tax rates and shipping zones of a fresh store come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PricingDefaultsSource {
    Shipped,
    File(String),
    None,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("host", &self.host)
            .field("port", &self.port)
            .field(
                "database",
                &self.database_url.as_ref().map(|_| "configured"),
            )
            .field("redis", &self.redis_url.as_ref().map(|_| "configured"))
            .field("bcrypt_cost", &self.bcrypt_cost)
            .field("currency", &self.currency)
            .field("cors_origins", &self.cors_origins)
            .field("stripe", &self.stripe.as_ref().map(|_| "configured"))
            .field("toss", &self.toss.as_ref().map(|_| "configured"))
            .field("smtp", &self.smtp_url.as_ref().map(|_| "configured"))
            .field(
                "woocommerce",
                &self.woocommerce.as_ref().map(|w| w.url.clone()),
            )
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("JWT_SECRET is required when DATABASE_URL is set (at least 32 bytes)")]
    MissingJwtSecret,
    #[error("JWT_SECRET must be at least 32 bytes (got {0})")]
    ShortJwtSecret(usize),
    #[error("MERX_CONFIG file {path}: {reason}")]
    File { path: String, reason: String },
}

/// Stripe's settings: all three keys together, or none.
fn stripe_config(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<merx_stripe::StripeConfig>, ConfigError> {
    let Some(secret_key) = get("STRIPE_SECRET_KEY") else {
        return Ok(None);
    };
    let need = |name: &'static str| {
        get(name).ok_or_else(|| ConfigError::Invalid {
            name,
            reason: "required with STRIPE_SECRET_KEY".into(),
        })
    };
    Ok(Some(merx_stripe::StripeConfig {
        secret_key,
        publishable_key: need("STRIPE_PUBLISHABLE_KEY")?,
        webhook_secret: need("STRIPE_WEBHOOK_SECRET")?,
        api_base: get("STRIPE_API_BASE"),
    }))
}

/// TossPayments' settings: both keys together, or none.
fn toss_config(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<merx_tosspayments::TossConfig>, ConfigError> {
    let Some(secret_key) = get("TOSS_SECRET_KEY") else {
        return Ok(None);
    };
    let client_key = get("TOSS_CLIENT_KEY").ok_or_else(|| ConfigError::Invalid {
        name: "TOSS_CLIENT_KEY",
        reason: "required with TOSS_SECRET_KEY".into(),
    })?;
    Ok(Some(merx_tosspayments::TossConfig {
        secret_key,
        client_key,
        api_base: get("TOSS_API_BASE"),
    }))
}

/// WooCommerce's settings: the URL and both keys together, or none.
fn woocommerce_config(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<merx_woocommerce::WooConfig>, ConfigError> {
    let Some(url) = get("WOOCOMMERCE_URL") else {
        return Ok(None);
    };
    // https, or http on a loopback host only (spec §17): the keys travel in every request.
    merx_woocommerce::check_site_url(&url).map_err(|reason| ConfigError::Invalid {
        name: "WOOCOMMERCE_URL",
        reason,
    })?;
    let need = |name: &'static str| {
        get(name).ok_or_else(|| ConfigError::Invalid {
            name,
            reason: "required with WOOCOMMERCE_URL".into(),
        })
    };
    Ok(Some(merx_woocommerce::WooConfig {
        url,
        consumer_key: need("WOOCOMMERCE_CONSUMER_KEY")?,
        consumer_secret: need("WOOCOMMERCE_CONSUMER_SECRET")?,
        webhook_secret: get("WOOCOMMERCE_WEBHOOK_SECRET"),
    }))
}

/// One category's limit in the TOML file.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitConfig {
    requests: u32,
    window_secs: u32,
}

/// The spec's limits changed by the file's, or none at all.
fn rate_limits(
    get: &impl Fn(&str) -> Option<String>,
    file: &HashMap<String, LimitConfig>,
) -> Result<merx_kernel::RateLimits, ConfigError> {
    match get("MERX_RATE_LIMITS").as_deref() {
        None | Some("on") => {}
        Some("off") => return Ok(merx_kernel::RateLimits::off()),
        Some(other) => {
            return Err(ConfigError::Invalid {
                name: "MERX_RATE_LIMITS",
                reason: format!("`{other}` is not on or off"),
            });
        }
    }
    let mut limits = merx_kernel::RateLimits::default();
    for (name, l) in file {
        let category =
            merx_kernel::RateCategory::parse(name).ok_or_else(|| ConfigError::Invalid {
                name: "MERX_CONFIG",
                reason: format!("rate_limits.{name} is not a category"),
            })?;
        limits = limits
            .with(
                category,
                merx_kernel::Limit {
                    requests: l.requests,
                    window_secs: l.window_secs,
                },
            )
            .map_err(|reason| ConfigError::Invalid {
                name: "MERX_CONFIG",
                reason,
            })?;
    }
    Ok(limits)
}

/// The optional TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    cors_origins: Vec<String>,
    /// `{requests, window_secs}` per category (`cart`, `checkout`, `sync`, `webhooks`,
    /// `login`, `default`).
    #[serde(default)]
    rate_limits: HashMap<String, LimitConfig>,
}

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first bad variable.
    pub fn from_env() -> Result<Self, ConfigError> {
        let vars: HashMap<String, String> = std::env::vars().collect();
        Self::from_vars(&vars)
    }

    /// Reads settings from a map of variables (the environment, or a test's).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first bad variable.
    pub fn from_vars(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            vars.get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let file = match get("MERX_CONFIG") {
            Some(path) => load_file(&path)?,
            None => FileConfig::default(),
        };
        let mut cors_origins = file.cors_origins;
        if let Some(list) = get("MERX_CORS_ORIGINS") {
            cors_origins = list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        }
        let config = Self {
            host: get("HOST").unwrap_or_else(|| "0.0.0.0".into()),
            port: parse(&get, "PORT", 8080)?,
            database_url: get("DATABASE_URL"),
            database_pool_size: parse(&get, "MERX_DB_POOL_SIZE", 16)?,
            redis_url: get("REDIS_URL"),
            jwt_secret: get("JWT_SECRET"),
            log_format: match get("LOG_FORMAT").as_deref() {
                // A person at a terminal reads pretty lines; a collector reads JSON.
                None if std::io::IsTerminal::is_terminal(&std::io::stderr()) => LogFormat::Pretty,
                None | Some("json") => LogFormat::Json,
                Some("pretty") => LogFormat::Pretty,
                Some(other) => {
                    return Err(ConfigError::Invalid {
                        name: "LOG_FORMAT",
                        reason: format!("`{other}` is not json or pretty"),
                    });
                }
            },
            bcrypt_cost: parse(&get, "BCRYPT_COST", 12)?,
            currency: match get("MERX_CURRENCY") {
                None => Currency::Usd,
                Some(code) => {
                    code.parse()
                        .map_err(|e: merx_kernel::MoneyError| ConfigError::Invalid {
                            name: "MERX_CURRENCY",
                            reason: e.to_string(),
                        })?
                }
            },
            admin_email: get("MERX_ADMIN_EMAIL"),
            admin_password: get("MERX_ADMIN_PASSWORD"),
            cors_origins,
            body_limit_bytes: parse(&get, "MERX_BODY_LIMIT_BYTES", 1024 * 1024)?,
            reservation_ttl_secs: parse(&get, "MERX_RESERVATION_TTL_SECS", 900)?,
            sweep_interval_secs: parse(&get, "MERX_SWEEP_INTERVAL_SECS", 60)?,
            demo_data: parse(&get, "MERX_DEMO_DATA", true)?,
            catalog_cache_ms: parse(&get, "MERX_CATALOG_CACHE_MS", 1000)?,
            reviews_moderation: on_or_off(&get, "MERX_REVIEWS_MODERATION", false)?,
            timezone: match get("MERX_TIMEZONE") {
                None => chrono_tz::Tz::UTC,
                Some(name) => name.trim().parse().map_err(|_| ConfigError::Invalid {
                    name: "MERX_TIMEZONE",
                    reason: format!("`{name}` is not an IANA time zone (e.g. Asia/Seoul)"),
                })?,
            },
            pricing_defaults: match get("MERX_PRICING_DEFAULTS").as_deref() {
                None => PricingDefaultsSource::Shipped,
                Some("none") => PricingDefaultsSource::None,
                Some(path) => PricingDefaultsSource::File(path.to_owned()),
            },
            stripe: stripe_config(&get)?,
            toss: toss_config(&get)?,
            rate_limits: rate_limits(&get, &file.rate_limits)?,
            trusted_proxies: match get("MERX_TRUSTED_PROXIES") {
                None => Vec::new(),
                Some(list) => list
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(crate::trusted_proxies::Cidr::parse)
                    .collect::<Result<_, _>>()
                    .map_err(|reason| ConfigError::Invalid {
                        name: "MERX_TRUSTED_PROXIES",
                        reason,
                    })?,
            },
            rate_limit_namespace: "merx".into(),
            woocommerce: woocommerce_config(&get)?,
            smtp_url: get("SMTP_URL"),
            mail_from: get("MERX_MAIL_FROM").unwrap_or_else(|| "Merx <no-reply@merx.local>".into()),
            outbox_interval_ms: parse(&get, "MERX_OUTBOX_INTERVAL_MS", 1000)?,
            outbox_retry_base_ms: parse(&get, "MERX_OUTBOX_RETRY_BASE_MS", 30_000)?,
            workers: get("MERX_WORKERS").map(|v| v.parse()).transpose().map_err(
                |e: std::num::ParseIntError| ConfigError::Invalid {
                    name: "MERX_WORKERS",
                    reason: e.to_string(),
                },
            )?,
        };
        if !(4..=31).contains(&config.bcrypt_cost) {
            return Err(ConfigError::Invalid {
                name: "BCRYPT_COST",
                reason: "must be within 4..=31".into(),
            });
        }
        if config.admin_email.is_some() != config.admin_password.is_some() {
            return Err(ConfigError::Invalid {
                name: "MERX_ADMIN_EMAIL",
                reason: "MERX_ADMIN_EMAIL and MERX_ADMIN_PASSWORD go together".into(),
            });
        }
        config.jwt_secret_bytes()?;
        Ok(config)
    }

    /// The receivers outside Merx that outbox messages are written for.
    #[must_use]
    pub fn outbound(&self) -> merx_orders::outbound::Outbound {
        merx_orders::outbound::Outbound {
            // The log mailer stands in when SMTP is not configured.
            email: true,
            woocommerce: self.woocommerce.is_some(),
        }
    }

    /// The JWT signing secret: the configured one, or — only for the in-memory demo — none,
    /// in which case the app makes a random one per start.
    ///
    /// # Errors
    /// When a database is configured without a secret, or any secret is under 32 bytes.
    pub fn jwt_secret_bytes(&self) -> Result<Option<Vec<u8>>, ConfigError> {
        match &self.jwt_secret {
            Some(s) if s.len() < merx_crypto::MIN_SECRET_BYTES => {
                Err(ConfigError::ShortJwtSecret(s.len()))
            }
            Some(s) => Ok(Some(s.as_bytes().to_vec())),
            None if self.database_url.is_some() => Err(ConfigError::MissingJwtSecret),
            None => Ok(None),
        }
    }
}

/// A switch written `on` or `off` (also `true`/`false`, `1`/`0`).
fn on_or_off(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(name).as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some("on" | "true" | "1") => Ok(true),
        Some("off" | "false" | "0") => Ok(false),
        Some(other) => Err(ConfigError::Invalid {
            name,
            reason: format!("`{other}` is not on or off"),
        }),
    }
}

fn parse<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match get(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|e: T::Err| ConfigError::Invalid {
            name,
            reason: e.to_string(),
        }),
    }
}

fn load_file(path: &str) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::File {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_serve_the_in_memory_demo_on_8080() {
        let c = Config::from_vars(&vars(&[])).expect("valid");
        assert_eq!(
            (c.host.as_str(), c.port, c.bcrypt_cost),
            ("0.0.0.0", 8080, 12)
        );
        assert!(c.database_url.is_none());
        assert_eq!(c.currency, Currency::Usd);
        assert_eq!(c.jwt_secret_bytes(), Ok(None));
    }

    #[test]
    fn a_database_needs_a_long_jwt_secret() {
        let db = ("DATABASE_URL", "postgres://postgres@127.0.0.1/merx");
        assert_eq!(
            Config::from_vars(&vars(&[db])).err(),
            Some(ConfigError::MissingJwtSecret)
        );
        assert_eq!(
            Config::from_vars(&vars(&[db, ("JWT_SECRET", "short")])).err(),
            Some(ConfigError::ShortJwtSecret(5))
        );
        let long = "x".repeat(32);
        assert!(Config::from_vars(&vars(&[db, ("JWT_SECRET", &long)])).is_ok());
    }

    #[test]
    fn bad_values_name_their_variable() {
        let err = Config::from_vars(&vars(&[("PORT", "eighty")])).expect_err("invalid");
        assert!(matches!(err, ConfigError::Invalid { name: "PORT", .. }));
        let err = Config::from_vars(&vars(&[("MERX_CURRENCY", "XYZ")])).expect_err("invalid");
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "MERX_CURRENCY",
                ..
            }
        ));
        let err = Config::from_vars(&vars(&[("BCRYPT_COST", "3")])).expect_err("invalid");
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "BCRYPT_COST",
                ..
            }
        ));
    }

    #[test]
    fn an_admin_email_needs_its_password() {
        let err = Config::from_vars(&vars(&[("MERX_ADMIN_EMAIL", "a@b.co")])).expect_err("alone");
        assert!(matches!(
            err,
            ConfigError::Invalid {
                name: "MERX_ADMIN_EMAIL",
                ..
            }
        ));
        assert!(Config::from_vars(&vars(&[("MERX_ADMIN_PASSWORD", "secret-pass")])).is_err());
    }

    #[test]
    fn woocommerce_must_be_https_unless_on_a_loopback_host() {
        let woo = |url: &str| {
            Config::from_vars(&vars(&[
                ("WOOCOMMERCE_URL", url),
                ("WOOCOMMERCE_CONSUMER_KEY", "ck_1"),
                ("WOOCOMMERCE_CONSUMER_SECRET", "cs_1"),
            ]))
        };
        assert!(woo("https://shop.example").is_ok());
        assert!(woo("http://127.0.0.1:8080").is_ok());
        assert!(woo("http://localhost").is_ok());
        let err = woo("http://shop.example").expect_err("plain http off this machine");
        let ConfigError::Invalid { name, reason } = err else {
            panic!("a config error naming the variable: {err}");
        };
        assert_eq!(name, "WOOCOMMERCE_URL");
        assert!(reason.contains("https"), "{reason}");
    }

    #[test]
    fn cors_origins_come_from_the_toml_file_or_the_environment() {
        let dir = std::env::temp_dir().join(format!("merx-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let path = dir.join("merx.toml");
        std::fs::write(&path, "cors_origins = [\"https://shop.example\"]\n").expect("write");
        let p = path.to_string_lossy().into_owned();
        let c = Config::from_vars(&vars(&[("MERX_CONFIG", &p)])).expect("valid");
        assert_eq!(c.cors_origins, ["https://shop.example"]);
        let c = Config::from_vars(&vars(&[
            ("MERX_CONFIG", &p),
            ("MERX_CORS_ORIGINS", "https://a.example, https://b.example"),
        ]))
        .expect("valid");
        assert_eq!(c.cors_origins, ["https://a.example", "https://b.example"]);
    }
}
