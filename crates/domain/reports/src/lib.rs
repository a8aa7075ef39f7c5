//! The reports a shop is run by (spec §18): sales per currency and period in the shop's time
//! zone, the funnel from cart to paid order, top products and low stock. Stores add facts up
//! per UTC quarter hour through the read-only [`ReportSource`]; the rules (what counts as
//! sold and when, rates, rounding, local periods) are here.
//!
//! ```
//! use merx_reports::Rate;
//!
//! // Rates have four decimals, rounded half up.
//! assert_eq!(Rate::of(2, 3).ten_thousandths(), 6667);
//! ```

mod funnel;
mod low_stock;
mod period;
mod ports;
mod sales;
mod service;
mod top_products;

pub use chrono_tz::Tz;
pub use funnel::{BusinessCounters, Funnel, FunnelCounts, Rate};
pub use low_stock::{VariantLevel, low_stock};
pub use period::{
    DEFAULT_DAYS, Interval, MAX_DAYS, PeriodInput, ReportPeriod, day_start, quarter_hour,
};
pub use ports::*;
pub use sales::{
    CurrencyTotals, RefundBucket, SalesBucket, SalesReport, SeriesPoint, refund_counts,
    sales_report, sold_at,
};
pub use service::{ReportError, ReportService};
pub use top_products::{DEFAULT_LIMIT, MAX_LIMIT, ProductSales, TopBy, TopProduct, top_products};
