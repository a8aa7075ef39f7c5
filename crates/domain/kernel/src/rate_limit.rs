//! Rate limits (spec §9, §14): the categories, their limits, whose budget a request spends,
//! and the port that counts windows (in process, or in Redis across instances).

use std::collections::HashMap;

use async_trait::async_trait;

use crate::{StoreError, Timestamp};

/// The categories of spec §14 (which route is which: the HTTP adapter's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateCategory {
    Cart,
    Checkout,
    Sync,
    Webhooks,
    /// Counted per IP only, before any password hashing.
    Login,
    Default,
}

impl RateCategory {
    pub const ALL: [Self; 6] = [
        Self::Cart,
        Self::Checkout,
        Self::Sync,
        Self::Webhooks,
        Self::Login,
        Self::Default,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cart => "cart",
            Self::Checkout => "checkout",
            Self::Sync => "sync",
            Self::Webhooks => "webhooks",
            Self::Login => "login",
            Self::Default => "default",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// At most `requests` per window of `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub requests: u32,
    pub window_secs: u32,
}

/// The limits in force: the spec's defaults, changed by configuration, or off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    limits: HashMap<RateCategory, Limit>,
    enabled: bool,
}

impl Default for RateLimits {
    /// Spec §9: cart 100/min, checkout 10/min, sync 50/min, webhooks 1000/min, login 10/min,
    /// everything else 100/min.
    fn default() -> Self {
        let per_minute = |requests| Limit {
            requests,
            window_secs: 60,
        };
        Self {
            limits: [
                (RateCategory::Cart, per_minute(100)),
                (RateCategory::Checkout, per_minute(10)),
                (RateCategory::Sync, per_minute(50)),
                (RateCategory::Webhooks, per_minute(1000)),
                (RateCategory::Login, per_minute(10)),
                (RateCategory::Default, per_minute(100)),
            ]
            .into(),
            enabled: true,
        }
    }
}

impl RateLimits {
    /// No limits at all (`MERX_RATE_LIMITS=off`).
    #[must_use]
    pub fn off() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    #[must_use]
    pub const fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// These limits with `category`'s set to `limit`.
    ///
    /// # Errors
    /// A zero limit or window.
    pub fn with(mut self, category: RateCategory, limit: Limit) -> Result<Self, String> {
        if limit.requests == 0 || limit.window_secs == 0 {
            return Err(format!(
                "{}: requests and window_secs must be positive",
                category.as_str()
            ));
        }
        self.limits.insert(category, limit);
        Ok(self)
    }

    #[must_use]
    pub fn limit(&self, category: RateCategory) -> Limit {
        self.limits[&category]
    }

    /// The budgets a request of `category` spends: none for admins and API keys; per IP only
    /// for guests and for the login category; per user and per IP (both must pass) for a
    /// signed-in caller.
    #[must_use]
    pub fn keys(
        &self,
        category: RateCategory,
        user: Option<uuid::Uuid>,
        unlimited: bool,
        ip: &str,
    ) -> Vec<String> {
        if !self.enabled || unlimited {
            return Vec::new();
        }
        let c = category.as_str();
        let mut keys = vec![format!("{c}:ip:{ip}")];
        if let (Some(user), false) = (user, category == RateCategory::Login) {
            keys.push(format!("{c}:user:{user}"));
        }
        keys
    }
}

/// The client a budget belongs to: an IPv4 address as it is, an IPv6 address by its /64
/// network (one subscriber's allocation: counting each of its addresses apart would give a
/// client 2^64 fresh budgets). An IPv4 address mapped into IPv6 counts as the IPv4 one.
#[must_use]
pub fn client_of(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
    }
}

/// What counting one request in a window said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window resets.
    pub reset_secs: u32,
}

impl RateDecision {
    /// The decision of a fixed window that has counted `count` requests (this one included)
    /// at `now`.
    #[must_use]
    pub fn of_window(count: u64, limit: Limit, now: Timestamp) -> Self {
        let window = u64::from(limit.window_secs);
        let secs = u64::try_from(now.timestamp()).unwrap_or(0);
        let reset = window - secs % window;
        Self {
            allowed: count <= u64::from(limit.requests),
            limit: limit.requests,
            remaining: u32::try_from(u64::from(limit.requests).saturating_sub(count)).unwrap_or(0),
            reset_secs: u32::try_from(reset).unwrap_or(limit.window_secs),
        }
    }

    /// The window a request key falls in at `now` (fixed windows aligned on the epoch, so every
    /// instance counts in the same one).
    #[must_use]
    pub fn window_of(limit: Limit, now: Timestamp) -> i64 {
        now.timestamp().div_euclid(i64::from(limit.window_secs))
    }

    /// Several budgets at once: allowed only when all allow; the headers show the tightest.
    #[must_use]
    pub fn strictest(decisions: &[Self]) -> Option<Self> {
        let blocked: Vec<&Self> = decisions.iter().filter(|d| !d.allowed).collect();
        if let Some(worst) = blocked.iter().max_by_key(|d| d.reset_secs) {
            return Some(**worst);
        }
        decisions.iter().min_by_key(|d| d.remaining).copied()
    }
}

/// Counts requests in fixed windows.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts one request against `key`'s current window of `limit` at `now`.
    async fn hit(
        &self,
        key: &str,
        limit: Limit,
        now: Timestamp,
    ) -> Result<RateDecision, StoreError>;

    /// What [`Self::hit`] would answer now, without counting: used before work that a
    /// refused request should not cost (looking up an API key).
    async fn peek(
        &self,
        key: &str,
        limit: Limit,
        now: Timestamp,
    ) -> Result<RateDecision, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_is_its_64_network_and_an_ipv4_one_its_address() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        assert_eq!(client_of(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(
            client_of(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            client_of(ip("2001:db8:1:2::1")),
            client_of(ip("2001:db8:1:2:ffff::9"))
        );
        assert_ne!(
            client_of(ip("2001:db8:1:2::1")),
            client_of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(client_of(ip("::ffff:198.51.100.4")), "198.51.100.4");
    }

    #[test]
    fn guests_count_per_ip_users_per_user_and_ip_admins_not_at_all() {
        let limits = RateLimits::default();
        let user = uuid::Uuid::new_v4();
        assert_eq!(
            limits.keys(RateCategory::Cart, None, false, "1.2.3.4"),
            ["cart:ip:1.2.3.4"]
        );
        assert_eq!(
            limits.keys(RateCategory::Checkout, Some(user), false, "1.2.3.4"),
            [
                "checkout:ip:1.2.3.4".to_owned(),
                format!("checkout:user:{user}")
            ]
        );
        assert_eq!(
            limits.keys(RateCategory::Login, Some(user), false, "::1"),
            ["login:ip:::1"]
        );
        assert!(
            limits
                .keys(RateCategory::Cart, Some(user), true, "::1")
                .is_empty()
        );
        assert!(
            RateLimits::off()
                .keys(RateCategory::Cart, None, false, "::1")
                .is_empty()
        );
        assert_eq!(limits.limit(RateCategory::Checkout).requests, 10);
        assert!(
            limits
                .with(
                    RateCategory::Cart,
                    Limit {
                        requests: 0,
                        window_secs: 60
                    }
                )
                .is_err()
        );
    }

    #[test]
    fn a_window_allows_its_limit_and_tells_when_it_resets() {
        let limit = Limit {
            requests: 3,
            window_secs: 60,
        };
        let now = chrono::DateTime::from_timestamp(1_800_000_015, 0).expect("time");
        let third = RateDecision::of_window(3, limit, now);
        assert!(third.allowed && third.remaining == 0);
        assert_eq!(third.reset_secs, 45);
        let fourth = RateDecision::of_window(4, limit, now);
        assert!(!fourth.allowed);
        let ok = RateDecision::of_window(1, limit, now);
        assert_eq!(RateDecision::strictest(&[ok, fourth]), Some(fourth));
        assert_eq!(RateDecision::strictest(&[ok, third]), Some(third));
        assert_eq!(RateDecision::strictest(&[]), None);
    }
}
