//! Spec §18 (reports) over HTTP, with the decisions of docs/reviews-and-reports.md ("Reports"):
//! sales per currency from sold orders only, local days, weeks and months in any zone, refunds
//! on the day they were made, query validation and admin-only access, the funnel's cohorts and
//! rates, top products by units or by revenue in a currency, and the low-stock list.
//!
//! Every expected figure is computed here from the bodies the API returned (order totals, item
//! lines, refund amounts, timestamps), never typed in. Money is integer arithmetic; rates are
//! read as the JSON number's text, in ten-thousandths (the workspace forbids float arithmetic).

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Days, FixedOffset, NaiveDate, Offset, SecondsFormat, TimeZone, Utc,
};
use chrono_tz::Tz;
use reqwest::Method;
use serde_json::{Value, json};

use crate::both_stores;
use crate::carts::{call, product};
use crate::checkout::{cash_order, check_out, guest_cart, open, session_body, sf};
use crate::helpers::{
    Store, TestApp, error_body, json_of, spawn_app, spawn_app_with, start_beside,
};

both_stores!(
    sales_are_totalled_per_currency_from_sold_orders_only,
    a_sale_falls_on_its_local_day_in_every_zone,
    a_refund_counts_on_the_day_it_was_made,
    report_queries_are_validated_and_admin_only,
    the_funnel_counts_the_cohorts_of_its_period,
    top_products_rank_by_units_or_by_revenue_in_a_currency,
    low_stock_lists_tracked_variants_at_or_below_their_threshold,
    business_figures_reach_metrics_from_the_store,
);

const REPORTS: &str = "/api/v1/admin/reports";
const DAY_SECS: i64 = 86_400;
const QUARTER_HOUR_SECS: i64 = 900;

/// The figures of a `currency_totals` row, in the order the tests compare them.
const SALES_FIGURES: [&str; 8] = [
    "orders",
    "gross",
    "discounts",
    "tax",
    "shipping",
    "refunds",
    "net",
    "average_order_value",
];

/// A report query: `(name, value)` pairs, values percent-encoded when the path is built.
type Params = Vec<(&'static str, String)>;

// ---------------------------------------------------------------------------------------------
// Helpers: reading bodies
// ---------------------------------------------------------------------------------------------

fn int(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("an integer {key} in {v}"))
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("a string {key} in {v}"))
        .to_owned()
}

fn id_of(v: &Value) -> String {
    text(v, "id")
}

fn instant(v: &Value) -> DateTime<Utc> {
    let s = v.as_str().unwrap_or_else(|| panic!("a timestamp, got {v}"));
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("RFC 3339 {s}: {e}"))
        .with_timezone(&Utc)
}

/// `num / den` rounded half up (for `num ≥ 0`), 0 when `den` is 0: the docs' rule for the
/// average order value and, in ten-thousandths, for the funnel's rates.
fn half_up(num: i64, den: i64) -> i64 {
    if den == 0 {
        0
    } else {
        (2 * num + den) / (2 * den)
    }
}

/// A rate as a client reads it: the JSON number's text (at most 4 decimals), in
/// ten-thousandths. No float arithmetic: the workspace lints forbid it, even here.
fn ten_thousandths(v: &Value) -> i64 {
    assert!(v.is_number(), "a rate is a number, got {v}");
    let printed = v.to_string();
    let (whole, decimals) = printed.split_once('.').unwrap_or((printed.as_str(), ""));
    assert!(
        decimals.len() <= 4 && decimals.bytes().all(|b| b.is_ascii_digit()),
        "at most 4 decimals: {printed}"
    );
    let whole: i64 = whole
        .parse()
        .unwrap_or_else(|_| panic!("a plain decimal: {printed}"));
    let decimals: i64 = format!("{decimals:0<4}").parse().expect("digits");
    whole * 10_000 + decimals
}

// ---------------------------------------------------------------------------------------------
// Helpers: report queries
// ---------------------------------------------------------------------------------------------

/// Percent-encodes a query value: RFC 3339 offsets carry `+`, which a query reads as a space.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn report_path(kind: &str, params: &[(&str, String)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if query.is_empty() {
        format!("{REPORTS}/{kind}")
    } else {
        format!("{REPORTS}/{kind}?{}", query.join("&"))
    }
}

async fn report(app: &TestApp, admin: &str, kind: &str, params: &[(&str, String)]) -> Value {
    json_of(app.get(&report_path(kind, params), Some(admin)).await, 200).await
}

/// The fields a 422 `validation_error` names (`details.fields[].field`).
async fn invalid_fields(
    app: &TestApp,
    admin: &str,
    kind: &str,
    params: &[(&str, String)],
) -> Vec<String> {
    let body = error_body(
        app.get(&report_path(kind, params), Some(admin)).await,
        422,
        "validation_error",
    )
    .await;
    body["details"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("details.fields in {body}"))
        .iter()
        .map(|f| text(f, "field"))
        .collect()
}

fn params(pairs: &[(&'static str, &str)]) -> Params {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

fn with(mut params: Params, key: &'static str, value: &str) -> Params {
    params.push((key, value.to_owned()));
    params
}

/// Whole local days `[from, to)` as dates, in `tz` when given (else the shop's zone).
fn days(from: NaiveDate, to: NaiveDate, tz: Option<Tz>) -> Params {
    let mut p = vec![("from", from.to_string()), ("to", to.to_string())];
    if let Some(zone) = tz {
        p.push(("tz", zone.name().to_owned()));
    }
    p
}

/// One whole local day.
fn day_of(day: NaiveDate, tz: Option<Tz>) -> Params {
    days(day, days_after(day, 1), tz)
}

fn days_after(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_add_days(Days::new(n)).expect("a date")
}

fn days_before(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n)).expect("a date")
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn local_midnight(zone: Tz, day: NaiveDate) -> DateTime<Tz> {
    zone.from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .unwrap_or_else(|| panic!("one local midnight of {day} in {zone}"))
}

/// A `period_start` is the period's local start: the same instant as `want`, written with the
/// zone's offset at that instant.
fn assert_period_start(got: &DateTime<FixedOffset>, want: &DateTime<Tz>) {
    assert_eq!(
        got.with_timezone(&Utc),
        want.with_timezone(&Utc),
        "period_start {got}, want {want}"
    );
    assert_eq!(
        got.offset().local_minus_utc(),
        want.offset().fix().local_minus_utc(),
        "the offset of period_start {got}, want {want}"
    );
}

// ---------------------------------------------------------------------------------------------
// Helpers: sales reports
// ---------------------------------------------------------------------------------------------

/// What the test sold and refunded in one currency, from the bodies the API returned.
#[derive(Debug, Default, Clone, Copy)]
struct Sales {
    orders: i64,
    gross: i64,
    discounts: i64,
    tax: i64,
    shipping: i64,
    refunds: i64,
}

impl Sales {
    /// A sold order: its `total` (after discounts, with tax and shipping) and its parts.
    fn sell(&mut self, order: &Value) {
        self.orders += 1;
        self.gross += int(order, "total");
        self.discounts += int(order, "discount_total");
        self.tax += int(order, "tax_total");
        self.shipping += int(order, "shipping_total");
    }

    fn refund(&mut self, amount: i64) {
        self.refunds += amount;
    }

    fn net(&self) -> i64 {
        self.gross - self.refunds
    }

    /// The row the docs require: `net` = `gross` − `refunds`, `average_order_value` =
    /// `gross` / `orders` rounded half up (0 without orders).
    fn expected(&self) -> Vec<(&'static str, i64)> {
        SALES_FIGURES
            .into_iter()
            .zip([
                self.orders,
                self.gross,
                self.discounts,
                self.tax,
                self.shipping,
                self.refunds,
                self.net(),
                half_up(self.gross, self.orders),
            ])
            .collect()
    }
}

/// A row's figures by name, so a mismatch says which one.
fn figures(row: &Value) -> Vec<(&'static str, i64)> {
    SALES_FIGURES
        .into_iter()
        .map(|n| (n, int(row, n)))
        .collect()
}

fn currencies(report: &Value) -> Vec<String> {
    report["currency_totals"]
        .as_array()
        .unwrap_or_else(|| panic!("currency_totals in {report}"))
        .iter()
        .map(|r| text(r, "currency"))
        .collect()
}

fn totals_row<'a>(report: &'a Value, currency: &str) -> &'a Value {
    report["currency_totals"]
        .as_array()
        .unwrap_or_else(|| panic!("currency_totals in {report}"))
        .iter()
        .find(|r| r["currency"] == currency)
        .unwrap_or_else(|| panic!("a {currency} row in {report}"))
}

/// One currency's series rows, as listed: (period_start, [orders, gross, net]).
fn series(report: &Value, currency: &str) -> Vec<(DateTime<FixedOffset>, [i64; 3])> {
    report["series"]
        .as_array()
        .unwrap_or_else(|| panic!("series in {report}"))
        .iter()
        .filter(|r| r["currency"] == currency)
        .map(|r| {
            let start = r["period_start"]
                .as_str()
                .unwrap_or_else(|| panic!("period_start in {r}"));
            (
                DateTime::parse_from_rfc3339(start)
                    .unwrap_or_else(|e| panic!("RFC 3339 period_start {start}: {e}")),
                [int(r, "orders"), int(r, "gross"), int(r, "net")],
            )
        })
        .collect()
}

/// A period where nothing was sold or refunded has no currency rows and so no series.
fn assert_empty_sales(report: &Value, what: &str) {
    assert_eq!(report["currency_totals"], json!([]), "{what}: {report}");
    assert_eq!(report["series"], json!([]), "{what}: {report}");
}

// ---------------------------------------------------------------------------------------------
// Helpers: orders
// ---------------------------------------------------------------------------------------------

fn seoul() -> Value {
    json!({"name": "Kim Minji", "line1": "1 Sejong-daero", "city": "Seoul", "postal_code": "04524",
           "country": "KR"})
}

async fn discount_code(app: &TestApp, admin: &str, code: &str) {
    json_of(
        app.post(
            "/api/v1/admin/discounts",
            &json!({"code": code, "type": "percentage", "value": 10}),
            Some(admin),
        )
        .await,
        201,
    )
    .await;
}

/// A guest's cash-on-delivery order of loose `items` (variant, quantity), left pending: the
/// body, with its `order_token`.
async fn place<S: AsRef<str>>(
    app: &TestApp,
    items: &[(S, i64)],
    to: Value,
    code: Option<&str>,
) -> Value {
    let lines: Vec<Value> = items
        .iter()
        .map(|(v, q)| json!({"variant_id": v.as_ref(), "quantity": q}))
        .collect();
    let mut body = json!({"items": lines, "email": "reports@example.com", "shipping_address": to,
        "shipping_method": "standard", "payment_method": "cash_on_delivery"});
    if let Some(c) = code {
        body["discount_code"] = json!(c);
    }
    let placed = json_of(app.post("/api/v1/orders", &body, None).await, 201).await;
    assert_eq!(placed["status"], "pending", "{placed}");
    assert_eq!(placed["payment_status"], "pending", "{placed}");
    placed
}

async fn edit(app: &TestApp, admin: &str, order: &Value, change: Value) -> Value {
    json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/orders/{}", id_of(order)),
            &change,
            Some(admin),
        )
        .await,
        200,
    )
    .await
}

/// Confirmed and marked paid by an admin in one edit (spec §15: a payment received by hand):
/// sold at its `paid_at`.
async fn pay(app: &TestApp, admin: &str, placed: &Value) -> Value {
    let paid = edit(
        app,
        admin,
        placed,
        json!({"status": "confirmed", "payment_status": "paid"}),
    )
    .await;
    assert_eq!(paid["payment_status"], "paid", "{paid}");
    assert!(paid["paid_at"].is_string(), "{paid}");
    paid
}

/// Confirmed by an admin, to be paid on delivery: sold at its confirmation, unless cancelled.
async fn confirm_unpaid(app: &TestApp, admin: &str, placed: &Value) -> Value {
    let confirmed = edit(app, admin, placed, json!({"status": "confirmed"})).await;
    assert_eq!(
        (
            confirmed["status"].as_str(),
            confirmed["payment_status"].as_str()
        ),
        (Some("confirmed"), Some("pending")),
        "{confirmed}"
    );
    confirmed
}

/// The guest cancels with its order token (a paid order is refunded in full).
async fn cancel(app: &TestApp, placed: &Value) -> Value {
    let token = text(placed, "order_token");
    let cancelled = json_of(
        app.send(
            Method::DELETE,
            &format!("/api/v1/orders/{}?token={token}", id_of(placed)),
            &json!({}),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    cancelled
}

async fn refund(app: &TestApp, admin: &str, order: &Value, amount: i64) -> Value {
    json_of(
        app.post(
            &format!("/api/v1/orders/{}/refunds", id_of(order)),
            &json!({"amount": amount}),
            Some(admin),
        )
        .await,
        201,
    )
    .await
}

async fn rename(app: &TestApp, admin: &str, product_id: &str, name: &str) {
    json_of(
        app.send(
            Method::PATCH,
            &format!("/api/v1/products/{product_id}"),
            &json!({"name": name}),
            Some(admin),
        )
        .await,
        200,
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Sales
// ---------------------------------------------------------------------------------------------

/// Orders in USD and KRW, paid, confirmed cash on delivery, refunded in part, cancelled after
/// payment (still a sale, refunded), and two that never sold (pending; confirmed cash on
/// delivery then cancelled before payment). Each currency's row is the sums of its own sold
/// orders and refunds; the series adds up to it; the default period holds it all.
async fn sales_are_totalled_per_currency_from_sold_orders_only(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, tee) = product(&app, &admin, "SALE-TEE", "USD", 2_500, 30).await;
    let (_, mug) = product(&app, &admin, "SALE-MUG", "USD", 1_250, 30).await;
    let (_, oil) = product(&app, &admin, "SALE-OIL", "KRW", 19_500, 30).await;
    discount_code(&app, &admin, "SALE10").await;
    let (mut usd, mut krw) = (Sales::default(), Sales::default());

    // Paid, with a discount: every part of its total is non-zero.
    let discounted = pay(
        &app,
        &admin,
        &place(&app, &[(&tee, 2), (&mug, 1)], sf(), Some("SALE10")).await,
    )
    .await;
    assert!(
        int(&discounted, "discount_total") > 0 && int(&discounted, "tax_total") > 0,
        "a discount and California tax: {discounted}"
    );
    usd.sell(&discounted);
    // Confirmed at checkout to be paid on delivery, not paid yet: sold at its confirmation.
    let on_delivery = cash_order(&app, "sess-report-sales-01", &mug, 3).await;
    assert_eq!(
        (
            on_delivery["status"].as_str(),
            on_delivery["payment_status"].as_str()
        ),
        (Some("confirmed"), Some("pending"))
    );
    usd.sell(&on_delivery);
    // Paid, then a third refunded: the sale stays, the refund counts.
    let partly = pay(&app, &admin, &place(&app, &[(&tee, 1)], sf(), None).await).await;
    usd.sell(&partly);
    let part = refund(&app, &admin, &partly, int(&partly, "total") / 3).await;
    assert_eq!(part["currency"], "USD");
    usd.refund(int(&part, "amount"));
    // Never sales: one still pending, one confirmed cash on delivery and cancelled unpaid.
    place(&app, &[(&tee, 4)], sf(), None).await;
    let unpaid = place(&app, &[(&mug, 5)], sf(), None).await;
    confirm_unpaid(&app, &admin, &unpaid).await;
    cancel(&app, &unpaid).await;

    // Won, shipped to Seoul: one paid, one paid and then cancelled by its buyer, which
    // refunds it in full and leaves it a sale.
    let won = pay(
        &app,
        &admin,
        &place(&app, &[(&oil, 2)], seoul(), None).await,
    )
    .await;
    assert_eq!(won["currency"], "KRW");
    krw.sell(&won);
    let regretted = place(&app, &[(&oil, 1)], seoul(), None).await;
    krw.sell(&pay(&app, &admin, &regretted).await);
    let cancelled = cancel(&app, &regretted).await;
    assert_eq!(cancelled["payment_status"], "refunded", "{cancelled}");
    krw.refund(int(&cancelled, "refunded_total"));

    // Three whole UTC days around now.
    let yesterday = days_before(Utc::now().date_naive(), 1);
    let period = days(yesterday, days_after(yesterday, 3), Some(chrono_tz::UTC));
    let body = report(&app, &admin, "sales", &period).await;
    assert_eq!(
        currencies(&body),
        ["KRW", "USD"],
        "one row per currency, in code order"
    );
    assert_eq!(figures(totals_row(&body, "USD")), usd.expected(), "USD");
    assert_eq!(figures(totals_row(&body, "KRW")), krw.expected(), "KRW");

    // The series: one row per UTC day (the default interval) per currency, adding up.
    assert_eq!(
        body["series"].as_array().map(Vec::len),
        Some(6),
        "3 days × 2 currencies: {body}"
    );
    for (currency, sales) in [("KRW", &krw), ("USD", &usd)] {
        let rows = series(&body, currency);
        assert_eq!(rows.len(), 3, "{currency}: {body}");
        let mut summed = [0; 3];
        for ((start, f), day) in rows.iter().zip(yesterday.iter_days()) {
            assert_period_start(start, &local_midnight(chrono_tz::UTC, day));
            for (sum, figure) in summed.iter_mut().zip(f) {
                *sum += figure;
            }
        }
        assert_eq!(
            summed,
            [sales.orders, sales.gross, sales.net()],
            "{currency} series"
        );
    }

    // The default period (the 30 days up to now) holds all of it.
    let default = report(&app, &admin, "sales", &[]).await;
    assert_eq!(default["currency_totals"], body["currency_totals"]);
}

/// A sale counts on the local date that holds its `paid_at` in the asked zone (the shop's zone
/// when `tz` is left out), not on a neighbouring one; series rows start at local midnights
/// with the zone's offset, zeros included; weeks start on Monday, months on the 1st; RFC 3339
/// bounds keep their own offset, `from` inclusive and `to` exclusive.
async fn a_sale_falls_on_its_local_day_in_every_zone(store: Store) {
    let shop_zone = chrono_tz::Pacific::Kiritimati; // UTC+14
    let west_zone = chrono_tz::Pacific::Pago_Pago; // UTC−11
    let kathmandu = chrono_tz::Asia::Kathmandu; // UTC+05:45
    let app = spawn_app_with(store, |c| c.timezone = shop_zone).await;
    let admin = app.admin().await.access;
    let (_, lamp) = product(&app, &admin, "ZONE-LAMP", "USD", 4_200, 5).await;
    let order = pay(&app, &admin, &place(&app, &[(&lamp, 1)], sf(), None).await).await;
    let sold = instant(&order["paid_at"]);
    let mut sale = Sales::default();
    sale.sell(&order);
    let gross = sale.gross;

    // 25 hours apart, the two zones never share a date: each one's date holds nothing in the
    // other.
    let east = sold.with_timezone(&shop_zone).date_naive();
    let west = sold.with_timezone(&west_zone).date_naive();
    assert!(west < east, "{west} in Pago Pago, {east} in Kiritimati");
    assert_empty_sales(
        &report(&app, &admin, "sales", &day_of(west, Some(shop_zone))).await,
        "Pago Pago's date in Kiritimati",
    );
    assert_empty_sales(
        &report(&app, &admin, "sales", &day_of(east, Some(west_zone))).await,
        "Kiritimati's date in Pago Pago",
    );

    for zone in [shop_zone, west_zone, kathmandu, chrono_tz::UTC] {
        let tz = Some(zone);
        let day = sold.with_timezone(&zone).date_naive();
        let (before, after) = (days_before(day, 1), days_after(day, 1));

        let one_day = report(&app, &admin, "sales", &day_of(day, tz)).await;
        assert_eq!(currencies(&one_day), ["USD"], "{zone} {day}: {one_day}");
        assert_eq!(
            figures(totals_row(&one_day, "USD")),
            sale.expected(),
            "{zone} {day}"
        );
        for other in [before, after] {
            assert_empty_sales(
                &report(&app, &admin, "sales", &day_of(other, tz)).await,
                &format!("{zone} {other}"),
            );
        }

        // Three local days: three rows, zeros around the sale.
        let three = report(
            &app,
            &admin,
            "sales",
            &with(days(before, days_after(day, 2), tz), "interval", "day"),
        )
        .await;
        let rows = series(&three, "USD");
        assert_eq!(rows.len(), 3, "{zone}: {three}");
        let want = [
            (before, [0, 0, 0]),
            (day, [1, gross, gross]),
            (after, [0, 0, 0]),
        ];
        for ((start, got), (d, expected)) in rows.iter().zip(want) {
            assert_period_start(start, &local_midnight(zone, d));
            assert_eq!(*got, expected, "{zone} {d}");
        }

        // A week starts on its Monday at local midnight, a month on its 1st.
        let monday = days_before(day, u64::from(day.weekday().num_days_from_monday()));
        let first = day.with_day(1).expect("the 1st");
        for (interval, start) in [("week", monday), ("month", first)] {
            let r = report(
                &app,
                &admin,
                "sales",
                &with(day_of(day, tz), "interval", interval),
            )
            .await;
            let rows = series(&r, "USD");
            assert_eq!(rows.len(), 1, "{zone} {interval}: {r}");
            assert_period_start(&rows[0].0, &local_midnight(zone, start));
            assert_eq!(rows[0].1, [1, gross, gross], "{zone} {interval}");
        }
    }

    // Leaving `tz` out is asking for the shop's zone (MERX_TIMEZONE).
    let implicit = report(&app, &admin, "sales", &day_of(east, None)).await;
    let explicit = report(&app, &admin, "sales", &day_of(east, Some(shop_zone))).await;
    assert_eq!(implicit, explicit);
    assert_eq!(figures(totals_row(&implicit, "USD")), sale.expected());
    let rows = series(&implicit, "USD");
    assert_eq!(rows.len(), 1, "{implicit}");
    assert_period_start(&rows[0].0, &local_midnight(shop_zone, east));

    // RFC 3339 bounds carry their own offset (written here in Kathmandu time): the quarter
    // hour holding the sale has it, the quarter hours either side do not.
    let secs = sold.timestamp();
    let quarter =
        DateTime::from_timestamp(secs - secs.rem_euclid(QUARTER_HOUR_SECS), 0).expect("an instant");
    let step = chrono::Duration::seconds(QUARTER_HOUR_SECS);
    let at = |t: DateTime<Utc>| {
        t.with_timezone(&kathmandu)
            .fixed_offset()
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    };
    let window = |from: DateTime<Utc>| vec![("from", at(from)), ("to", at(from + step))];
    let holding = report(&app, &admin, "sales", &window(quarter)).await;
    assert_eq!(figures(totals_row(&holding, "USD")), sale.expected());
    assert_empty_sales(
        &report(&app, &admin, "sales", &window(quarter - step)).await,
        "`to` is exclusive",
    );
    assert_empty_sales(
        &report(&app, &admin, "sales", &window(quarter + step)).await,
        "the quarter hour after",
    );
}

/// A refund counts on the day it was made, whichever day the order sold: a day with only a
/// refund has a row with no orders, an average of 0 and a negative `net`. The app's clock is
/// moved two days instead of waiting.
async fn a_refund_counts_on_the_day_it_was_made(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, vid) = product(&app, &admin, "LATE-REFUND", "USD", 3_300, 5).await;
    let order = pay(&app, &admin, &place(&app, &[(&vid, 2)], sf(), None).await).await;
    let sold_on = instant(&order["paid_at"]).date_naive();

    app.advance(2 * DAY_SECS);
    // A fresh token on the moved clock.
    let admin = app.admin().await.access;
    let back = refund(&app, &admin, &order, int(&order, "total") / 4).await;
    let amount = int(&back, "amount");
    assert!(amount > 0, "{back}");
    let refunded_on = instant(&back["created_at"]).date_naive();
    assert!(
        refunded_on >= days_after(sold_on, 2),
        "sold {sold_on}, refunded {refunded_on}"
    );

    let mut sale = Sales::default();
    sale.sell(&order);
    let mut giveback = Sales::default();
    giveback.refund(amount);
    let mut both = sale;
    both.refund(amount);
    let utc = Some(chrono_tz::UTC);

    let sale_day = report(&app, &admin, "sales", &day_of(sold_on, utc)).await;
    assert_eq!(figures(totals_row(&sale_day, "USD")), sale.expected());
    let refund_day = report(&app, &admin, "sales", &day_of(refunded_on, utc)).await;
    assert_eq!(currencies(&refund_day), ["USD"], "a currency that refunded");
    assert_eq!(figures(totals_row(&refund_day, "USD")), giveback.expected());
    assert!(giveback.net() < 0);
    assert_empty_sales(
        &report(&app, &admin, "sales", &day_of(days_after(sold_on, 1), utc)).await,
        "the day after the sale",
    );

    let span = days(sold_on, days_after(refunded_on, 1), utc);
    let whole = report(&app, &admin, "sales", &span).await;
    assert_eq!(figures(totals_row(&whole, "USD")), both.expected());
    let rows = series(&whole, "USD");
    let dates: Vec<NaiveDate> = sold_on
        .iter_days()
        .take_while(|d| *d <= refunded_on)
        .collect();
    assert_eq!(rows.len(), dates.len(), "{whole}");
    for ((start, got), d) in rows.iter().zip(dates) {
        assert_period_start(start, &local_midnight(chrono_tz::UTC, d));
        let want = if d == sold_on {
            [1, sale.gross, sale.gross]
        } else if d == refunded_on {
            [0, 0, -amount]
        } else {
            [0, 0, 0]
        };
        assert_eq!(*got, want, "{d}");
    }
}

// ---------------------------------------------------------------------------------------------
// Validation and access
// ---------------------------------------------------------------------------------------------

/// Admin only (401 without a valid token, 403 for customers); bad periods, zones, intervals
/// and top-product options are 422 `validation_error` naming the field. A period of exactly
/// 400 days is allowed.
async fn report_queries_are_validated_and_admin_only(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let customer = app.customer("reports-customer@example.com").await.access;
    for kind in ["sales", "funnel", "top-products", "low-stock"] {
        let path = report_path(kind, &[]);
        error_body(app.get(&path, None).await, 401, "authentication_required").await;
        error_body(
            app.get(&path, Some("not-a-token")).await,
            401,
            "authentication_required",
        )
        .await;
        error_body(app.get(&path, Some(&customer)).await, 403, "forbidden").await;
        json_of(app.get(&path, Some(&admin)).await, 200).await;
    }

    // Which of `from` and `to` an ordering or span error names is not settled by the docs:
    // either will do there. A bad value names its own field.
    let either: &[&str] = &["from", "to"];
    let from: &[&str] = &["from"];
    let to: &[&str] = &["to"];
    let period_cases: Vec<(Params, &[&str])> = vec![
        (
            params(&[("from", "2026-02-01"), ("to", "2026-01-01")]),
            either,
        ),
        (
            params(&[("from", "2026-01-01"), ("to", "2026-01-01")]),
            either,
        ),
        // 401 days.
        (
            params(&[("from", "2025-01-01"), ("to", "2026-02-06")]),
            either,
        ),
        (params(&[("from", "2026-02-30")]), from),
        (params(&[("from", "2026-01-01T25:00:00Z")]), from),
        (params(&[("to", "tomorrow")]), to),
    ];
    for kind in ["sales", "funnel", "top-products"] {
        for (query, named) in &period_cases {
            let fields = invalid_fields(&app, &admin, kind, query).await;
            assert!(
                fields.iter().any(|f| named.contains(&f.as_str())),
                "{kind} {query:?} names one of {named:?}: {fields:?}"
            );
        }
        // Exactly 400 days is allowed.
        report(
            &app,
            &admin,
            kind,
            &params(&[("from", "2025-01-01"), ("to", "2026-02-05")]),
        )
        .await;
    }

    let named_cases: Vec<(&str, Params, &str)> = vec![
        ("sales", params(&[("tz", "Mars/Olympus_Mons")]), "tz"),
        ("funnel", params(&[("tz", "Mars/Olympus_Mons")]), "tz"),
        ("sales", params(&[("interval", "hour")]), "interval"),
        ("top-products", params(&[("by", "price")]), "by"),
        ("top-products", params(&[("limit", "0")]), "limit"),
        ("top-products", params(&[("limit", "101")]), "limit"),
        ("top-products", params(&[("limit", "ten")]), "limit"),
        (
            "top-products",
            params(&[("by", "revenue"), ("currency", "ZZZ")]),
            "currency",
        ),
    ];
    for (kind, query, field) in &named_cases {
        let fields = invalid_fields(&app, &admin, kind, query).await;
        assert!(
            fields.iter().any(|f| f == field),
            "{kind} {query:?} names {field}: {fields:?}"
        );
    }
    // The good values of the same options.
    for query in [
        params(&[("tz", "Asia/Seoul"), ("interval", "week")]),
        params(&[("interval", "month")]),
    ] {
        report(&app, &admin, "sales", &query).await;
    }
    report(
        &app,
        &admin,
        "top-products",
        &params(&[("by", "revenue"), ("currency", "KRW"), ("limit", "100")]),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Funnel
// ---------------------------------------------------------------------------------------------

/// What the test did, counted as the docs' cohorts count it.
#[derive(Debug, Default)]
struct Funnel {
    carts_created: i64,
    carts_with_items: i64,
    /// Carts with items that an order spent.
    carts_ordered: i64,
    checkouts_started: i64,
    /// Checkout sessions that became an order.
    checkouts_ordered: i64,
    orders_placed: i64,
    orders_paid: i64,
}

impl Funnel {
    /// The body the docs require, rates in ten-thousandths rounded half up (0 over nothing).
    fn expected(&self) -> Vec<(&'static str, i64)> {
        vec![
            ("carts_created", self.carts_created),
            ("carts_with_items", self.carts_with_items),
            ("checkouts_started", self.checkouts_started),
            ("orders_placed", self.orders_placed),
            ("orders_paid", self.orders_paid),
            (
                "cart_abandonment_rate",
                half_up(
                    (self.carts_with_items - self.carts_ordered) * 10_000,
                    self.carts_with_items,
                ),
            ),
            (
                "checkout_completion_rate",
                half_up(self.checkouts_ordered * 10_000, self.checkouts_started),
            ),
        ]
    }
}

fn funnel_figures(body: &Value) -> Vec<(&'static str, i64)> {
    let mut out: Vec<(&'static str, i64)> = [
        "carts_created",
        "carts_with_items",
        "checkouts_started",
        "orders_placed",
        "orders_paid",
    ]
    .into_iter()
    .map(|n| (n, int(body, n)))
    .collect();
    for rate in ["cart_abandonment_rate", "checkout_completion_rate"] {
        out.push((rate, ten_thousandths(&body[rate])));
    }
    out
}

/// Guest carts (empty; filled then emptied; left with items; with a checkout left open; two
/// checked out, one of those orders then cancelled unpaid), a customer's cart spent by an
/// order placed first, and two orders without a cart (one paid, one cancelled). The report
/// over the test's minutes matches the test's own count; a period a year before is all zeros.
async fn the_funnel_counts_the_cohorts_of_its_period(store: Store) {
    let started = Utc::now();
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, vid) = product(&app, &admin, "FUNNEL-1", "USD", 1_500, 50).await;
    // One guest (X-Session-ID) per cart.
    let guest: Vec<String> = (0..7)
        .map(|i| format!("sess-report-funnel-{i:02}"))
        .collect();
    let mut want = Funnel::default();

    // An empty cart.
    json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/carts",
            None,
            Some(guest[0].as_str()),
            None,
        )
        .await,
        201,
    )
    .await;
    want.carts_created += 1;

    // A cart that held an item and was emptied: it had items, and became no order.
    let cart = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": vid, "quantity": 1})),
            Some(guest[1].as_str()),
            None,
        )
        .await,
        201,
    )
    .await;
    let line = cart["items"][0]["id"].as_str().expect("line id");
    let emptied = json_of(
        call(
            &app,
            Method::DELETE,
            &format!("/api/v1/carts/{}/items/{line}", id_of(&cart)),
            None,
            Some(guest[1].as_str()),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(emptied["items"], json!([]));
    want.carts_created += 1;
    want.carts_with_items += 1;

    // Two carts left with items.
    for i in [2, 3] {
        guest_cart(&app, &guest[i], &vid, 2).await;
        want.carts_created += 1;
        want.carts_with_items += 1;
    }

    // A checkout opened and left open.
    let cart = guest_cart(&app, &guest[4], &vid, 1).await;
    json_of(open(&app, &guest[4], session_body(&cart)).await, 201).await;
    want.carts_created += 1;
    want.carts_with_items += 1;
    want.checkouts_started += 1;

    // Two checkouts confirmed with cash on delivery: each spends its cart into an order.
    let mut done = Vec::new();
    for i in [5, 6] {
        let cart = guest_cart(&app, &guest[i], &vid, 1).await;
        done.push(check_out(&app, &guest[i], &cart).await);
        want.carts_created += 1;
        want.carts_with_items += 1;
        want.carts_ordered += 1;
        want.checkouts_started += 1;
        want.checkouts_ordered += 1;
        want.orders_placed += 1;
    }
    // The first is sold at its confirmation; the second is cancelled before it was paid, so
    // it was never sold (but it was placed, and its cart and checkout did become an order).
    want.orders_paid += 1;
    let second = &done[1];
    cancel(
        &app,
        &json!({"id": second["order"]["id"], "order_token": second["order_token"]}),
    )
    .await;

    // A customer's cart spent by an order placed first, left pending.
    let customer = app.customer("funnel-buyer@example.com").await.access;
    let cart = json_of(
        call(
            &app,
            Method::POST,
            "/api/v1/cart/items",
            Some(json!({"variant_id": vid, "quantity": 2})),
            None,
            Some(&customer),
        )
        .await,
        201,
    )
    .await;
    let placed = json_of(
        app.post(
            "/api/v1/orders",
            &json!({"cart_id": cart["id"], "shipping_address": sf(), "shipping_method": "standard",
                    "payment_method": "cash_on_delivery"}),
            Some(&customer),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(placed["status"], "pending");
    want.carts_created += 1;
    want.carts_with_items += 1;
    want.carts_ordered += 1;
    want.orders_placed += 1;

    // Orders without a cart: one paid, one cancelled while pending.
    pay(&app, &admin, &place(&app, &[(&vid, 1)], sf(), None).await).await;
    want.orders_placed += 1;
    want.orders_paid += 1;
    cancel(&app, &place(&app, &[(&vid, 1)], sf(), None).await).await;
    want.orders_placed += 1;

    let minute = chrono::Duration::seconds(60);
    let period = vec![
        ("from", rfc3339(started - minute)),
        ("to", rfc3339(Utc::now() + minute)),
    ];
    let body = report(&app, &admin, "funnel", &period).await;
    assert_eq!(funnel_figures(&body), want.expected(), "{body}");
    // The default period (the 30 days up to now) holds the same.
    let default = report(&app, &admin, "funnel", &[]).await;
    assert_eq!(funnel_figures(&default), want.expected(), "{default}");

    // A week a year before: nothing, and rates of 0.
    let today = Utc::now().date_naive();
    let year_ago = days(
        days_before(today, 372),
        days_before(today, 365),
        Some(chrono_tz::UTC),
    );
    let empty = report(&app, &admin, "funnel", &year_ago).await;
    assert_eq!(
        funnel_figures(&empty),
        Funnel::default().expected(),
        "{empty}"
    );
}

// ---------------------------------------------------------------------------------------------
// Top products
// ---------------------------------------------------------------------------------------------

/// What one product sold, from the sold orders' item lines.
#[derive(Debug, Default)]
struct Sold {
    /// The name on its most recently sold item.
    name: String,
    units: i64,
    /// Per currency: `line_total` − `discount`.
    revenue: BTreeMap<String, i64>,
}

/// Adds a sold order's items; orders must come in the order they were sold.
fn tally(sold: &mut BTreeMap<String, Sold>, order: &Value) {
    let currency = text(order, "currency");
    for item in order["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {order}"))
    {
        let entry = sold.entry(text(item, "product_id")).or_default();
        entry.name = text(item, "name");
        entry.units += int(item, "quantity");
        *entry.revenue.entry(currency.clone()).or_insert(0) +=
            int(item, "line_total") - int(item, "discount");
    }
}

/// One top-products item: (product_id, name, units, revenue by currency).
type TopItem = (String, String, i64, Vec<(String, i64)>);

/// The docs' order: by units then id, or (`by=revenue`) by the revenue in `currency`, then by
/// units, then by id.
fn ranked(sold: &BTreeMap<String, Sold>, revenue_in: Option<&str>) -> Vec<TopItem> {
    let revenue = |s: &Sold| revenue_in.map_or(0, |c| s.revenue.get(c).copied().unwrap_or(0));
    let mut ids: Vec<&String> = sold.keys().collect();
    ids.sort_by(|a, b| {
        let (x, y) = (&sold[*a], &sold[*b]);
        revenue(y)
            .cmp(&revenue(x))
            .then(y.units.cmp(&x.units))
            .then(a.cmp(b))
    });
    ids.into_iter()
        .map(|id| {
            let s = &sold[id];
            (
                id.clone(),
                s.name.clone(),
                s.units,
                s.revenue.iter().map(|(c, a)| (c.clone(), *a)).collect(),
            )
        })
        .collect()
}

fn top_items(body: &Value) -> Vec<TopItem> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {body}"))
        .iter()
        .map(|i| {
            let mut revenue: Vec<(String, i64)> = i["revenue"]
                .as_array()
                .unwrap_or_else(|| panic!("revenue in {i}"))
                .iter()
                .map(|r| (text(r, "currency"), int(r, "amount")))
                .collect();
            revenue.sort();
            (
                text(i, "product_id"),
                text(i, "name"),
                int(i, "units"),
                revenue,
            )
        })
        .collect()
}

/// Sold orders in USD (one discounted) and KRW, a product renamed between its sales and after
/// its last one, and products only in a pending order or in a cash-on-delivery order
/// cancelled unpaid (never listed). Rankings by units, by revenue in USD (also the default
/// currency) and in KRW, `limit`, and an empty period.
async fn top_products_rank_by_units_or_by_revenue_in_a_currency(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (lamp_id, lamp) = product(&app, &admin, "TOP-LAMP", "USD", 1_000, 30).await;
    let (_, chair) = product(&app, &admin, "TOP-CHAIR", "USD", 3_000, 30).await;
    let (_, candle) = product(&app, &admin, "TOP-CANDLE", "USD", 500, 30).await;
    let (_, tea) = product(&app, &admin, "TOP-TEA", "KRW", 20_000, 30).await;
    let (_, pending_only) = product(&app, &admin, "TOP-PENDING", "USD", 800, 30).await;
    let (_, voided_only) = product(&app, &admin, "TOP-VOID", "USD", 900, 30).await;
    discount_code(&app, &admin, "TOP10").await;
    let mut sold = BTreeMap::new();

    let first = pay(
        &app,
        &admin,
        &place(&app, &[(&lamp, 3), (&chair, 1)], sf(), Some("TOP10")).await,
    )
    .await;
    assert!(int(&first, "discount_total") > 0, "{first}");
    tally(&mut sold, &first);
    // Renamed before its next sale: that sale's item carries the new name...
    rename(&app, &admin, &lamp_id, "Renamed lamp").await;
    let second = pay(
        &app,
        &admin,
        &place(&app, &[(&lamp, 2), (&candle, 2)], sf(), None).await,
    )
    .await;
    tally(&mut sold, &second);
    assert_eq!(sold[&lamp_id].name, "Renamed lamp", "{second}");
    // ...and renamed again after it, which no sold item carries.
    rename(&app, &admin, &lamp_id, "Renamed after its last sale").await;
    let third = pay(
        &app,
        &admin,
        &place(&app, &[(&tea, 4)], seoul(), None).await,
    )
    .await;
    tally(&mut sold, &third);
    let fourth = cash_order(&app, "sess-report-top-01", &chair, 1).await;
    tally(&mut sold, &fourth);
    // Never sold.
    place(&app, &[(&pending_only, 5)], sf(), None).await;
    let voided = place(&app, &[(&voided_only, 6)], sf(), None).await;
    confirm_unpaid(&app, &admin, &voided).await;
    cancel(&app, &voided).await;
    assert_eq!(sold.len(), 4);

    let yesterday = days_before(Utc::now().date_naive(), 1);
    let period = days(yesterday, days_after(yesterday, 3), Some(chrono_tz::UTC));
    let top = |query: Params| {
        let (app, admin) = (&app, admin.as_str());
        async move { top_items(&report(app, admin, "top-products", &query).await) }
    };

    let by_units = ranked(&sold, None);
    assert_eq!(top(with(period.clone(), "by", "units")).await, by_units);
    assert_eq!(top(period.clone()).await, by_units, "by units by default");
    assert_eq!(
        top(with(period.clone(), "limit", "2")).await,
        by_units[..2].to_vec()
    );
    for currency in ["USD", "KRW"] {
        let query = with(with(period.clone(), "by", "revenue"), "currency", currency);
        assert_eq!(
            top(query).await,
            ranked(&sold, Some(currency)),
            "{currency}"
        );
    }
    assert_eq!(
        top(with(period.clone(), "by", "revenue")).await,
        ranked(&sold, Some("USD")),
        "revenue in the shop currency by default"
    );
    assert_ne!(
        ranked(&sold, Some("USD")),
        by_units,
        "the rankings differ, so each is checked"
    );

    let today = Utc::now().date_naive();
    let year_ago = days(
        days_before(today, 372),
        days_before(today, 365),
        Some(chrono_tz::UTC),
    );
    assert_eq!(top(year_ago).await, Vec::<TopItem>::new());
}

// ---------------------------------------------------------------------------------------------
// Low stock
// ---------------------------------------------------------------------------------------------

/// One variant of the shop, as the test tracks it.
#[derive(Debug, Clone)]
struct Shelf {
    product_id: String,
    product_name: String,
    variant_id: String,
    sku: String,
    on_hand: i64,
    /// Units held by live checkout sessions.
    held: i64,
    threshold: i64,
    tracked: bool,
}

/// A low-stock item: (product_id, product_name, variant_id, sku, inventory_count, available,
/// low_stock_threshold).
type LowItem = (String, String, String, String, i64, i64, i64);

/// Creates an active product with `variants` (sku, on hand, threshold, tracked).
async fn shelf_product(
    app: &TestApp,
    admin: &str,
    name: &str,
    variants: &[(&str, i64, i64, bool)],
) -> Vec<Shelf> {
    let body: Vec<Value> = variants
        .iter()
        .map(|(sku, on_hand, threshold, tracked)| {
            json!({"sku": sku, "name": sku, "options": {"size": sku}, "price": 1_000,
                   "inventory_count": on_hand, "low_stock_threshold": threshold,
                   "track_inventory": tracked})
        })
        .collect();
    let created = json_of(
        app.post(
            "/api/v1/products",
            &json!({"name": name, "status": "active", "currency": "USD", "variants": body}),
            Some(admin),
        )
        .await,
        201,
    )
    .await;
    let listed = created["variants"]
        .as_array()
        .unwrap_or_else(|| panic!("variants in {created}"));
    variants
        .iter()
        .map(|(sku, on_hand, threshold, tracked)| {
            let v = listed
                .iter()
                .find(|v| v["sku"] == *sku)
                .unwrap_or_else(|| panic!("{sku} in {created}"));
            Shelf {
                product_id: id_of(&created),
                product_name: name.to_owned(),
                variant_id: id_of(v),
                sku: (*sku).to_owned(),
                on_hand: *on_hand,
                held: 0,
                threshold: *threshold,
                tracked: *tracked,
            }
        })
        .collect()
}

/// The docs' list: tracked variants whose available units (on hand less live holds) are at
/// or below their threshold, fewest available first, then by SKU.
fn expected_low(shelves: &[Shelf]) -> Vec<LowItem> {
    let mut low: Vec<LowItem> = shelves
        .iter()
        .filter(|s| s.tracked && s.on_hand - s.held <= s.threshold)
        .map(|s| {
            (
                s.product_id.clone(),
                s.product_name.clone(),
                s.variant_id.clone(),
                s.sku.clone(),
                s.on_hand,
                s.on_hand - s.held,
                s.threshold,
            )
        })
        .collect();
    low.sort_by(|a, b| a.5.cmp(&b.5).then_with(|| a.3.cmp(&b.3)));
    low
}

async fn low_stock(app: &TestApp, admin: &str) -> Vec<LowItem> {
    let body = report(app, admin, "low-stock", &[]).await;
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {body}"))
        .iter()
        .map(|i| {
            (
                text(i, "product_id"),
                text(i, "product_name"),
                text(i, "variant_id"),
                text(i, "sku"),
                int(i, "inventory_count"),
                int(i, "available"),
                int(i, "low_stock_threshold"),
            )
        })
        .collect()
}

fn shelf<'a>(shelves: &'a mut [Shelf], sku: &str) -> &'a mut Shelf {
    shelves
        .iter_mut()
        .find(|s| s.sku == sku)
        .unwrap_or_else(|| panic!("shelf {sku}"))
}

/// Variants at, below and above their thresholds (a sold-out one with threshold 0, an
/// untracked one with nothing on hand, two tied on available to show the SKU order); a live
/// checkout hold pushes one into the list, a sale another, and the hold's expiry takes the
/// first back out.
async fn low_stock_lists_tracked_variants_at_or_below_their_threshold(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let mut shelves = Vec::new();
    shelves.extend(
        shelf_product(
            &app,
            &admin,
            "Low A",
            &[
                ("LS-A-1", 2, 5, true),
                ("LS-A-2", 10, 5, true),
                ("LS-A-3", 0, 0, true),
            ],
        )
        .await,
    );
    shelves.extend(
        shelf_product(
            &app,
            &admin,
            "Low B",
            &[("LS-B-1", 7, 5, true), ("LS-B-2", 0, 5, false)],
        )
        .await,
    );
    shelves.extend(
        shelf_product(
            &app,
            &admin,
            "Low C",
            &[
                ("LS-C-1", 5, 5, true),
                ("LS-C-2", 6, 5, true),
                ("LS-0-C3", 2, 3, true),
            ],
        )
        .await,
    );

    let first = low_stock(&app, &admin).await;
    assert_eq!(first, expected_low(&shelves));
    // What the table above means: sold out first, the tie on 2 by SKU, 5 at its threshold.
    let skus: Vec<&str> = first.iter().map(|i| i.3.as_str()).collect();
    assert_eq!(skus, ["LS-A-3", "LS-0-C3", "LS-A-1", "LS-C-1"]);

    // A guest's checkout holds 3 of LS-B-1 (7 → 4 available: listed), 4 of LS-A-2 (10 → 6:
    // still above 5) and 2 of the untracked LS-B-2 (never listed).
    let guest = "sess-report-low-01";
    let b1 = shelf(&mut shelves, "LS-B-1").variant_id.clone();
    let cart = guest_cart(&app, guest, &b1, 3).await;
    for (sku, quantity) in [("LS-A-2", 4), ("LS-B-2", 2)] {
        let vid = shelf(&mut shelves, sku).variant_id.clone();
        json_of(
            call(
                &app,
                Method::POST,
                "/api/v1/cart/items",
                Some(json!({"variant_id": vid, "quantity": quantity})),
                Some(guest),
                None,
            )
            .await,
            201,
        )
        .await;
    }
    json_of(open(&app, guest, session_body(&cart)).await, 201).await;
    shelf(&mut shelves, "LS-B-1").held += 3;
    shelf(&mut shelves, "LS-A-2").held += 4;
    assert_eq!(low_stock(&app, &admin).await, expected_low(&shelves));

    // A sale takes LS-C-2 from 6 to 5 on hand: at its threshold.
    let c2 = shelf(&mut shelves, "LS-C-2").variant_id.clone();
    cash_order(&app, "sess-report-low-02", &c2, 1).await;
    shelf(&mut shelves, "LS-C-2").on_hand -= 1;
    let after_sale = low_stock(&app, &admin).await;
    assert_eq!(after_sale, expected_low(&shelves));
    assert!(after_sale.iter().any(|i| i.3 == "LS-B-1"));
    assert!(after_sale.iter().any(|i| i.3 == "LS-C-2"));

    // Past the checkout's 15 minutes its holds are no longer live.
    app.advance(16 * 60);
    let admin = app.admin().await.access;
    for s in &mut shelves {
        s.held = 0;
    }
    let after_expiry = low_stock(&app, &admin).await;
    assert_eq!(after_expiry, expected_low(&shelves));
    assert!(after_expiry.iter().all(|i| i.3 != "LS-B-1"));

    // The §1 page envelope: a page of one is the list's second item, and the total counts all.
    let second = report(
        &app,
        &admin,
        "low-stock",
        &[("page", "2".to_owned()), ("page_size", "1".to_owned())],
    )
    .await;
    assert_eq!(
        int(&second, "total"),
        i64::try_from(after_expiry.len()).expect("few")
    );
    assert_eq!(
        text(&second["items"][0], "sku"),
        after_expiry[1].3,
        "{second}"
    );
    assert_eq!(second["has_prev"], true);
    let past = report(
        &app,
        &admin,
        "low-stock",
        &[("page", "50".to_owned()), ("page_size", "10".to_owned())],
    )
    .await;
    assert_eq!(
        (past["items"].as_array().map(Vec::len), int(&past, "total")),
        (Some(0), i64::try_from(after_expiry.len()).expect("few")),
        "a page past the end still counts: {past}"
    );
}

/// The value of one metric line (`name{label="value"} n`) in a Prometheus text body.
fn metric(text: &str, series: &str) -> Option<i64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

/// `/metrics` shows orders by status, sold revenue per currency and sessions by outcome, read
/// from the store: a second instance on the same database shows the same figures.
async fn business_figures_reach_metrics_from_the_store(store: Store) {
    let app = spawn_app(store).await;
    let admin = app.admin().await.access;
    let (_, tee) = product(&app, &admin, "METRIC-TEE", "USD", 2_500, 30).await;
    let (_, oil) = product(&app, &admin, "METRIC-OIL", "KRW", 19_500, 30).await;
    let paid = pay(&app, &admin, &place(&app, &[(&tee, 2)], sf(), None).await).await;
    let krw = pay(
        &app,
        &admin,
        &place(&app, &[(&oil, 1)], seoul(), None).await,
    )
    .await;
    let _pending = place(&app, &[(&tee, 1)], sf(), None).await;
    let on_delivery = cash_order(&app, "sess-metrics-01", &tee, 1).await;
    let text = app.get("/metrics", None).await.text().await.expect("text");
    assert_eq!(
        metric(&text, r#"merx_orders_total{status="confirmed"}"#),
        Some(3),
        "{text}"
    );
    assert_eq!(
        metric(&text, r#"merx_orders_total{status="pending"}"#),
        Some(1),
        "{text}"
    );
    assert_eq!(
        metric(&text, r#"merx_order_revenue_minor_total{currency="USD"}"#),
        Some(int(&paid, "total") + int(&on_delivery, "total")),
        "sold: paid, and confirmed on delivery; not the pending one: {text}"
    );
    assert_eq!(
        metric(&text, r#"merx_order_revenue_minor_total{currency="KRW"}"#),
        Some(int(&krw, "total")),
        "{text}"
    );
    assert_eq!(
        metric(&text, r#"merx_checkout_sessions_total{outcome="complete"}"#),
        Some(1),
        "{text}"
    );
    if store == Store::Postgres {
        let beside = start_beside(&app).await;
        let there = beside
            .get("/metrics", None)
            .await
            .text()
            .await
            .expect("text");
        assert_eq!(
            metric(&there, r#"merx_orders_total{status="confirmed"}"#),
            Some(3),
            "{there}"
        );
    }
}
