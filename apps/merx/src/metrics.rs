//! Prometheus metrics for `/metrics`.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl Metrics {
    /// # Panics
    /// Never in practice: the metric definitions are static and valid.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "merx_http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("merx_http_request_duration_seconds", "HTTP request latency")
                .buckets(vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ]),
            &["method", "route"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(requests.clone()))
            .expect("register");
        registry
            .register(Box::new(latency.clone()))
            .expect("register");
        Self {
            registry,
            requests,
            latency,
        }
    }

    /// `route` is the matched pattern (`/api/v1/customers/{id}`), never the raw path, so the
    /// number of series stays bounded.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: std::time::Duration) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    #[must_use]
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// The business figures of spec §18, read from the store at each scrape. They are gauges:
/// an order's status moves, so a status's count can fall; the revenue of sold orders only
/// grows, unless a cash-on-delivery order is cancelled before it is paid.
#[must_use]
#[allow(clippy::expect_used)] // the definitions are static and valid
pub fn render_business(c: &merx_reports::BusinessCounters) -> String {
    let registry = Registry::new();
    let gauge = |name: &str, help: &str, label: &str| {
        let g =
            prometheus::IntGaugeVec::new(Opts::new(name, help), &[label]).expect("valid metric");
        registry.register(Box::new(g.clone())).expect("register");
        g
    };
    let orders = gauge("merx_orders_total", "Orders by status", "status");
    for (status, n) in &c.orders_by_status {
        orders
            .with_label_values(&[status])
            .set(i64::try_from(*n).unwrap_or(i64::MAX));
    }
    let revenue = gauge(
        "merx_order_revenue_minor_total",
        "The totals of sold orders, in minor units, per currency",
        "currency",
    );
    for (currency, amount) in &c.revenue {
        revenue.with_label_values(&[currency.code()]).set(*amount);
    }
    let sessions = gauge(
        "merx_checkout_sessions_total",
        "Checkout sessions by outcome",
        "outcome",
    );
    for (outcome, n) in &c.sessions_by_outcome {
        sessions
            .with_label_values(&[outcome])
            .set(i64::try_from(*n).unwrap_or(i64::MAX));
    }
    let mut buf = Vec::new();
    let _ = TextEncoder::new().encode(&registry.gather(), &mut buf);
    String::from_utf8(buf).unwrap_or_default()
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
