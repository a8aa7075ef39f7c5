//! The reports an admin asks for, over the read-only [`ReportSource`].

use std::sync::Arc;

use chrono_tz::Tz;
use merx_kernel::{Clock, Currency, Page, PageRequest, StoreError, ValidationErrors};

use crate::{
    Funnel, Interval, PeriodInput, ReportPeriod, ReportSource, SalesReport, TopBy, TopProduct,
    VariantLevel, sales_report, top_products,
};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct ReportService {
    source: Arc<dyn ReportSource>,
    clock: Arc<dyn Clock>,
    /// The shop's time zone (`MERX_TIMEZONE`), where a client names none.
    tz: Tz,
    /// The shop's currency: what `by=revenue` ranks by when the client names none.
    currency: Currency,
}

impl ReportService {
    #[must_use]
    pub fn new(
        source: Arc<dyn ReportSource>,
        clock: Arc<dyn Clock>,
        tz: Tz,
        currency: Currency,
    ) -> Self {
        Self {
            source,
            clock,
            tz,
            currency,
        }
    }

    /// Ranking by revenue: in `currency`, else the shop's.
    #[must_use]
    pub fn by_revenue(&self, currency: Option<Currency>) -> TopBy {
        TopBy::Revenue(currency.unwrap_or(self.currency))
    }

    /// Reads a client's period in the shop's zone.
    ///
    /// # Errors
    /// See [`ReportPeriod::parse`].
    pub fn period(&self, input: PeriodInput<'_>) -> Result<ReportPeriod, ValidationErrors> {
        ReportPeriod::parse(input, self.tz, self.clock.now())
    }

    /// # Errors
    /// `Store` when the source cannot be read.
    pub async fn sales(
        &self,
        period: ReportPeriod,
        interval: Interval,
    ) -> Result<SalesReport, ReportError> {
        let sales = self.source.sales(period.from, period.to).await?;
        let refunds = self.source.refunds(period.from, period.to).await?;
        Ok(sales_report(period, interval, &sales, &refunds))
    }

    /// # Errors
    /// `Store` when the source cannot be read.
    pub async fn funnel(&self, period: ReportPeriod) -> Result<Funnel, ReportError> {
        Ok(Funnel::of(
            self.source.funnel(period.from, period.to).await?,
        ))
    }

    /// # Errors
    /// `Store` when the source cannot be read.
    pub async fn top_products(
        &self,
        period: ReportPeriod,
        by: TopBy,
        limit: usize,
    ) -> Result<Vec<TopProduct>, ReportError> {
        let sales = self.source.product_sales(period.from, period.to).await?;
        Ok(top_products(sales, by, limit))
    }

    /// # Errors
    /// `Store` when the source cannot be read.
    pub async fn counters(&self) -> Result<crate::BusinessCounters, ReportError> {
        Ok(self.source.counters().await?)
    }

    /// # Errors
    /// `Store` when the source cannot be read.
    pub async fn low_stock(&self, page: PageRequest) -> Result<Page<VariantLevel>, ReportError> {
        Ok(self.source.low_stock(self.clock.now(), page).await?)
    }
}
