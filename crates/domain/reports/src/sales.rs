//! The sales report: what sold and what was refunded, per currency and per period.

use std::collections::BTreeMap;

use merx_kernel::{Currency, Timestamp};
use merx_orders::{Order, OrderStatus, RefundStatus};

use crate::{Interval, ReportPeriod};

/// When an order counts as sold: when it was paid; a cash-on-delivery order confirmed but not
/// yet paid, when it was confirmed, unless it was cancelled (then it was never sold).
/// (Postgres says the same in SQL: `crates/adapters/postgres/src/reports.rs`.)
#[must_use]
pub fn sold_at(order: &Order) -> Option<Timestamp> {
    order.paid_at.or_else(|| {
        (order.payment_method.settles_on_delivery() && order.status != OrderStatus::Cancelled)
            .then_some(order.times.confirmed_at)
            .flatten()
    })
}

/// Whether a refund gave money back: pending or succeeded, not failed.
#[must_use]
pub fn refund_counts(status: RefundStatus) -> bool {
    status != RefundStatus::Failed
}

/// Orders sold in one UTC quarter hour, in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SalesBucket {
    pub start: Timestamp,
    pub currency: Currency,
    pub orders: u64,
    pub gross: i64,
    pub discounts: i64,
    pub tax: i64,
    pub shipping: i64,
}

/// Refunds made in one UTC quarter hour, in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundBucket {
    pub start: Timestamp,
    pub currency: Currency,
    pub amount: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Sums {
    orders: u64,
    gross: i64,
    discounts: i64,
    tax: i64,
    shipping: i64,
    refunds: i64,
}

impl Sums {
    fn add_sales(&mut self, b: &SalesBucket) {
        self.orders += b.orders;
        self.gross += b.gross;
        self.discounts += b.discounts;
        self.tax += b.tax;
        self.shipping += b.shipping;
    }
}

/// One currency's totals over the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrencyTotals {
    pub currency: Currency,
    pub orders: u64,
    pub gross: i64,
    pub discounts: i64,
    pub tax: i64,
    pub shipping: i64,
    pub refunds: i64,
    /// `gross - refunds`.
    pub net: i64,
    /// `gross / orders` rounded half up; 0 without orders.
    pub average_order_value: i64,
}

/// One currency in one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesPoint {
    pub period_start: Timestamp,
    pub currency: Currency,
    pub orders: u64,
    pub gross: i64,
    pub net: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SalesReport {
    pub period: ReportPeriod,
    /// In currency-code order.
    pub currency_totals: Vec<CurrencyTotals>,
    /// Every period for every currency of `currency_totals`, zeros included, in time order.
    pub series: Vec<SeriesPoint>,
}

/// `total / count` rounded half up (amounts are never negative here); 0 for no count.
fn mean_half_up(total: i64, count: u64) -> i64 {
    match i64::try_from(count) {
        Ok(n) if n > 0 => (2 * total + n).div_euclid(2 * n),
        _ => 0,
    }
}

/// Adds the stores' quarter hours up into the report, per currency and per local period.
#[must_use]
pub fn sales_report(
    period: ReportPeriod,
    interval: Interval,
    sales: &[SalesBucket],
    refunds: &[RefundBucket],
) -> SalesReport {
    let mut totals: BTreeMap<&str, (Currency, Sums)> = BTreeMap::new();
    let mut by_period: BTreeMap<(Timestamp, Currency), Sums> = BTreeMap::new();
    for b in sales {
        let start = interval.start_of(b.start, period.tz);
        totals
            .entry(b.currency.code())
            .or_insert((b.currency, Sums::default()))
            .1
            .add_sales(b);
        by_period
            .entry((start, b.currency))
            .or_default()
            .add_sales(b);
    }
    for r in refunds {
        let start = interval.start_of(r.start, period.tz);
        totals
            .entry(r.currency.code())
            .or_insert((r.currency, Sums::default()))
            .1
            .refunds += r.amount;
        by_period.entry((start, r.currency)).or_default().refunds += r.amount;
    }
    let currency_totals: Vec<CurrencyTotals> = totals
        .values()
        .map(|(currency, s)| CurrencyTotals {
            currency: *currency,
            orders: s.orders,
            gross: s.gross,
            discounts: s.discounts,
            tax: s.tax,
            shipping: s.shipping,
            refunds: s.refunds,
            net: s.gross - s.refunds,
            average_order_value: mean_half_up(s.gross, s.orders),
        })
        .collect();
    let mut series = Vec::new();
    for start in interval.starts(&period) {
        for t in &currency_totals {
            let s = by_period
                .get(&(start, t.currency))
                .copied()
                .unwrap_or_default();
            series.push(SeriesPoint {
                period_start: start,
                currency: t.currency,
                orders: s.orders,
                gross: s.gross,
                net: s.gross - s.refunds,
            });
        }
    }
    SalesReport {
        period,
        currency_totals,
        series,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PeriodInput;
    use chrono_tz::Tz;

    fn at(s: &str) -> Timestamp {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("time")
            .to_utc()
    }

    fn sale(start: &str, currency: Currency, gross: i64) -> SalesBucket {
        SalesBucket {
            start: at(start),
            currency,
            orders: 1,
            gross,
            discounts: 1,
            tax: 2,
            shipping: 3,
        }
    }

    #[test]
    fn currencies_are_never_summed_and_local_days_are_the_zones() {
        let period = ReportPeriod::parse(
            PeriodInput {
                from: Some("2026-12-01"),
                to: Some("2026-12-03"),
                tz: Some("Asia/Seoul"),
            },
            Tz::UTC,
            at("2026-12-08T00:00:00Z"),
        )
        .expect("period");
        // 23:30 UTC on Dec 1 is Dec 2 in Seoul.
        let sales = [
            sale("2026-11-30T16:00:00Z", Currency::Usd, 1001),
            sale("2026-12-01T23:30:00Z", Currency::Usd, 2000),
            sale("2026-12-01T01:00:00Z", Currency::Krw, 50_000),
        ];
        let refunds = [RefundBucket {
            start: at("2026-12-02T01:00:00Z"),
            currency: Currency::Usd,
            amount: 500,
        }];
        let r = sales_report(period, Interval::Day, &sales, &refunds);
        let codes: Vec<&str> = r
            .currency_totals
            .iter()
            .map(|t| t.currency.code())
            .collect();
        assert_eq!(codes, ["KRW", "USD"]);
        let usd = r.currency_totals[1];
        assert_eq!(
            (usd.orders, usd.gross, usd.refunds, usd.net),
            (2, 3001, 500, 2501)
        );
        assert_eq!(usd.average_order_value, 1501, "1500.5 rounds up");
        assert_eq!((usd.discounts, usd.tax, usd.shipping), (2, 4, 6));
        let points: Vec<(Timestamp, &str, i64, i64)> = r
            .series
            .iter()
            .map(|p| (p.period_start, p.currency.code(), p.gross, p.net))
            .collect();
        assert_eq!(
            points,
            [
                (at("2026-11-30T15:00:00Z"), "KRW", 50_000, 50_000),
                (at("2026-11-30T15:00:00Z"), "USD", 1001, 1001),
                (at("2026-12-01T15:00:00Z"), "KRW", 0, 0),
                (at("2026-12-01T15:00:00Z"), "USD", 2000, 1500),
            ]
        );
    }
}
