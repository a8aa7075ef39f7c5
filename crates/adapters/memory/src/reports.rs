//! Reports read from the other memory stores: orders, refunds and sessions from
//! [`MemoryCheckout`], cart milestones from [`MemoryCarts`], products and stock from
//! [`MemoryCatalog`]. Only reads.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use merx_kernel::{Currency, Page, PageRequest, ProductId, StoreError, Timestamp};
use merx_reports::{
    BusinessCounters, FunnelCounts, ProductSales, RefundBucket, ReportSource, SalesBucket,
    VariantLevel, quarter_hour, refund_counts, sold_at,
};

use crate::{MemoryCarts, MemoryCatalog, MemoryCheckout, lock};

pub struct MemoryReports {
    checkout: Arc<MemoryCheckout>,
    carts: Arc<MemoryCarts>,
    catalog: Arc<MemoryCatalog>,
}

impl MemoryReports {
    #[must_use]
    pub fn new(
        checkout: Arc<MemoryCheckout>,
        carts: Arc<MemoryCarts>,
        catalog: Arc<MemoryCatalog>,
    ) -> Self {
        Self {
            checkout,
            carts,
            catalog,
        }
    }
}

fn within(at: Timestamp, from: Timestamp, to: Timestamp) -> bool {
    from <= at && at < to
}

#[async_trait]
impl ReportSource for MemoryReports {
    async fn sales(&self, from: Timestamp, to: Timestamp) -> Result<Vec<SalesBucket>, StoreError> {
        let mut buckets: BTreeMap<(Timestamp, &str), SalesBucket> = BTreeMap::new();
        let state = lock(&self.checkout.state);
        for o in state.orders.values() {
            let Some(at) = sold_at(o).filter(|at| within(*at, from, to)) else {
                continue;
            };
            let start = quarter_hour(at);
            let b = buckets
                .entry((start, o.currency.code()))
                .or_insert(SalesBucket {
                    start,
                    currency: o.currency,
                    orders: 0,
                    gross: 0,
                    discounts: 0,
                    tax: 0,
                    shipping: 0,
                });
            b.orders += 1;
            b.gross += o.totals.total;
            b.discounts += o.totals.discount_total;
            b.tax += o.totals.tax_total;
            b.shipping += o.totals.shipping_total;
        }
        Ok(buckets.into_values().collect())
    }

    async fn refunds(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RefundBucket>, StoreError> {
        let mut buckets: BTreeMap<(Timestamp, &str), RefundBucket> = BTreeMap::new();
        let state = lock(&self.checkout.state);
        for r in state
            .refunds
            .iter()
            .filter(|r| refund_counts(r.status) && within(r.created_at, from, to))
        {
            let start = quarter_hour(r.created_at);
            buckets
                .entry((start, r.currency.code()))
                .or_insert(RefundBucket {
                    start,
                    currency: r.currency,
                    amount: 0,
                })
                .amount += r.amount;
        }
        Ok(buckets.into_values().collect())
    }

    async fn funnel(&self, from: Timestamp, to: Timestamp) -> Result<FunnelCounts, StoreError> {
        let mut counts = FunnelCounts::default();
        for m in self
            .carts
            .milestones()
            .into_iter()
            .filter(|m| within(m.created_at, from, to))
        {
            counts.carts_created += 1;
            if m.first_item_at.is_some() {
                counts.carts_with_items += 1;
                counts.carts_ordered += u64::from(m.ordered_at.is_some());
            }
        }
        let state = lock(&self.checkout.state);
        for s in state
            .sessions
            .values()
            .filter(|s| within(s.created_at, from, to))
        {
            counts.checkouts_started += 1;
            counts.checkouts_completed += u64::from(s.order_id.is_some());
        }
        for o in state.orders.values() {
            counts.orders_placed += u64::from(within(o.created_at, from, to));
            counts.orders_paid += u64::from(sold_at(o).is_some_and(|at| within(at, from, to)));
        }
        Ok(counts)
    }

    async fn product_sales(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ProductSales>, StoreError> {
        let mut sales: BTreeMap<(ProductId, Currency), ProductSales> = BTreeMap::new();
        let state = lock(&self.checkout.state);
        for o in state.orders.values() {
            let Some(at) = sold_at(o).filter(|at| within(*at, from, to)) else {
                continue;
            };
            for i in &o.items {
                let s = sales
                    .entry((i.product_id, o.currency))
                    .or_insert_with(|| ProductSales {
                        product_id: i.product_id,
                        currency: o.currency,
                        name: i.name.clone(),
                        last_sold_at: at,
                        units: 0,
                        revenue: 0,
                    });
                s.units += i.quantity;
                s.revenue += i.line_total - i.discount;
                if at > s.last_sold_at {
                    s.last_sold_at = at;
                    s.name.clone_from(&i.name);
                }
            }
        }
        Ok(sales.into_values().collect())
    }

    async fn low_stock(
        &self,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<VariantLevel>, StoreError> {
        Ok(Page::of_all(
            merx_reports::low_stock(self.catalog.variant_levels(now)),
            page,
        ))
    }

    async fn counters(&self) -> Result<BusinessCounters, StoreError> {
        let state = lock(&self.checkout.state);
        let mut orders: BTreeMap<&str, u64> = BTreeMap::new();
        let mut revenue: BTreeMap<&str, (Currency, i64)> = BTreeMap::new();
        for o in state.orders.values() {
            *orders.entry(o.status.as_str()).or_default() += 1;
            if sold_at(o).is_some() {
                revenue
                    .entry(o.currency.code())
                    .or_insert((o.currency, 0))
                    .1 += o.totals.total;
            }
        }
        let mut sessions: BTreeMap<&str, u64> = BTreeMap::new();
        for s in state.sessions.values() {
            *sessions.entry(s.status.as_str()).or_default() += 1;
        }
        Ok(BusinessCounters {
            orders_by_status: orders.into_iter().map(|(k, n)| (k.to_owned(), n)).collect(),
            revenue: revenue.into_values().collect(),
            sessions_by_outcome: sessions
                .into_iter()
                .map(|(k, n)| (k.to_owned(), n))
                .collect(),
        })
    }
}
