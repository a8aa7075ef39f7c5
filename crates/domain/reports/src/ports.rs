use async_trait::async_trait;
use merx_kernel::{Page, PageRequest, StoreError, Timestamp};

use crate::{
    BusinessCounters, FunnelCounts, ProductSales, RefundBucket, SalesBucket, VariantLevel,
};

/// What reports read, and nothing else: every method only reads, so a replica may serve it.
/// Each answers for `[from, to)`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ReportSource: Send + Sync {
    /// Orders sold ([`crate::sold_at`]) per UTC quarter hour ([`crate::quarter_hour`]) and
    /// currency.
    async fn sales(&self, from: Timestamp, to: Timestamp) -> Result<Vec<SalesBucket>, StoreError>;

    /// Refunds that gave money back ([`crate::refund_counts`]) per UTC quarter hour and
    /// currency.
    async fn refunds(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RefundBucket>, StoreError>;

    async fn funnel(&self, from: Timestamp, to: Timestamp) -> Result<FunnelCounts, StoreError>;

    /// The items of the orders sold in the period, per product and currency.
    async fn product_sales(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ProductSales>, StoreError>;

    /// One page of the low variants at `now` ([`crate::low_stock`]: which, and in what order).
    async fn low_stock(
        &self,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<VariantLevel>, StoreError>;

    /// The shop's totals since it opened, for `/metrics`.
    async fn counters(&self) -> Result<BusinessCounters, StoreError>;
}
