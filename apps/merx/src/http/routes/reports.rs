//! `/admin/reports/*` (spec §18): sales per currency and period in the shop's time zone, the
//! funnel, top products and low stock. Admins and API keys only.

use actix_web::{HttpRequest, HttpResponse, get, web};
use merx_kernel::{Currency, ValidationErrors};
use merx_reports::{
    CurrencyTotals, Interval, PeriodInput, ReportError, ReportPeriod, SeriesPoint, TopBy,
    TopProduct, VariantLevel,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{Admin, Paging};
use crate::http::page::PageBody;
use crate::state::AppState;

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Validation(v) => Self::validation(&v),
            ReportError::Store(s) => s.into(),
        }
    }
}

/// A report's period.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// Inclusive: RFC 3339, or a date (its local midnight in `tz`). Default: 30 days before `to`.
    pub from: Option<String>,
    /// Exclusive: RFC 3339, or a date. Default: now.
    pub to: Option<String>,
    /// IANA time zone; default `MERX_TIMEZONE`, else UTC.
    #[param(example = "Asia/Seoul")]
    pub tz: Option<String>,
}

/// How the sales series is cut (read beside [`PeriodParams`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntervalParams {
    /// `day` (default), `week` (from Monday) or `month`.
    #[param(pattern = "^(day|week|month)$")]
    pub interval: Option<String>,
}

/// How top products are ranked (read beside [`PeriodParams`]).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankingParams {
    /// `units` (default) or `revenue` (in `currency`).
    #[param(pattern = "^(units|revenue)$")]
    pub by: Option<String>,
    /// The currency `by=revenue` ranks by; default the shop currency.
    pub currency: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

fn period(state: &AppState, req: &HttpRequest) -> Result<ReportPeriod, ApiError> {
    let p: PeriodParams = crate::http::extract::query(req.query_string())?;
    Ok(state.reports.period(PeriodInput {
        from: p.from.as_deref(),
        to: p.to.as_deref(),
        tz: p.tz.as_deref(),
    })?)
}

/// A local instant as RFC 3339 with the zone's offset.
fn local(at: chrono::DateTime<chrono::Utc>, tz: merx_reports::Tz) -> String {
    at.with_timezone(&tz).to_rfc3339()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CurrencyTotalsBody {
    pub currency: String,
    pub orders: u64,
    /// Minor units, like every amount here.
    pub gross: i64,
    pub discounts: i64,
    pub tax: i64,
    pub shipping: i64,
    pub refunds: i64,
    pub net: i64,
    pub average_order_value: i64,
}

impl From<&CurrencyTotals> for CurrencyTotalsBody {
    fn from(t: &CurrencyTotals) -> Self {
        Self {
            currency: t.currency.code().to_owned(),
            orders: t.orders,
            gross: t.gross,
            discounts: t.discounts,
            tax: t.tax,
            shipping: t.shipping,
            refunds: t.refunds,
            net: t.net,
            average_order_value: t.average_order_value,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPointBody {
    /// The period's local start, with the zone's offset.
    #[schema(example = "2026-12-01T00:00:00+09:00")]
    pub period_start: String,
    pub currency: String,
    pub orders: u64,
    pub gross: i64,
    pub net: i64,
}

impl SeriesPointBody {
    fn of(p: &SeriesPoint, tz: merx_reports::Tz) -> Self {
        Self {
            period_start: local(p.period_start, tz),
            currency: p.currency.code().to_owned(),
            orders: p.orders,
            gross: p.gross,
            net: p.net,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SalesReportBody {
    pub currency_totals: Vec<CurrencyTotalsBody>,
    pub series: Vec<SeriesPointBody>,
}

/// Sales per currency, and per day, week or month (admin).
#[utoipa::path(get, path = "/api/v1/admin/reports/sales", tag = "admin",
    security(("bearer" = []), ("api_key" = [])), params(PeriodParams, IntervalParams),
    responses((status = 200, body = SalesReportBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, description = "validation_error", body = ErrorBody)))]
#[get("/admin/reports/sales")]
pub async fn sales(
    state: web::Data<AppState>,
    _admin: Admin,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: IntervalParams = crate::http::extract::query(req.query_string())?;
    let interval = match q.interval.as_deref() {
        None => Interval::Day,
        Some(i) => Interval::parse(i)
            .ok_or_else(|| ValidationErrors::single("interval", "must be day, week or month"))?,
    };
    let period = period(&state, &req)?;
    let report = state.reports.sales(period, interval).await?;
    let tz = report.period.tz;
    Ok(HttpResponse::Ok().json(SalesReportBody {
        currency_totals: report.currency_totals.iter().map(Into::into).collect(),
        series: report
            .series
            .iter()
            .map(|p| SeriesPointBody::of(p, tz))
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelBody {
    pub carts_created: u64,
    pub carts_with_items: u64,
    pub checkouts_started: u64,
    pub orders_placed: u64,
    pub orders_paid: u64,
    /// 0 to 1, four decimals.
    #[schema(example = 0.6667)]
    pub cart_abandonment_rate: f64,
    /// 0 to 1, four decimals.
    #[schema(example = 0.5)]
    pub checkout_completion_rate: f64,
}

/// The funnel from cart to paid order (admin).
#[utoipa::path(get, path = "/api/v1/admin/reports/funnel", tag = "admin",
    security(("bearer" = []), ("api_key" = [])), params(PeriodParams),
    responses((status = 200, body = FunnelBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, description = "validation_error", body = ErrorBody)))]
#[get("/admin/reports/funnel")]
pub async fn funnel(
    state: web::Data<AppState>,
    _admin: Admin,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let f = state.reports.funnel(period(&state, &req)?).await?;
    Ok(HttpResponse::Ok().json(FunnelBody {
        carts_created: f.counts.carts_created,
        carts_with_items: f.counts.carts_with_items,
        checkouts_started: f.counts.checkouts_started,
        orders_placed: f.counts.orders_placed,
        orders_paid: f.counts.orders_paid,
        cart_abandonment_rate: f.cart_abandonment_rate.as_number(),
        checkout_completion_rate: f.checkout_completion_rate.as_number(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AmountBody {
    pub currency: String,
    /// Minor units.
    pub amount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopProductBody {
    pub product_id: uuid::Uuid,
    pub name: String,
    pub units: i64,
    /// Goods after discounts, before tax and shipping, per currency.
    pub revenue: Vec<AmountBody>,
}

impl From<TopProduct> for TopProductBody {
    fn from(p: TopProduct) -> Self {
        Self {
            product_id: *p.product_id.as_uuid(),
            name: p.name,
            units: p.units,
            revenue: p
                .revenue
                .into_iter()
                .map(|(c, amount)| AmountBody {
                    currency: c.code().to_owned(),
                    amount,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopProductsBody {
    pub items: Vec<TopProductBody>,
}

/// The best-selling products of a period (admin).
#[utoipa::path(get, path = "/api/v1/admin/reports/top-products", tag = "admin",
    security(("bearer" = []), ("api_key" = [])), params(PeriodParams, RankingParams),
    responses((status = 200, body = TopProductsBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, description = "validation_error", body = ErrorBody)))]
#[get("/admin/reports/top-products")]
pub async fn top_products(
    state: web::Data<AppState>,
    _admin: Admin,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q: RankingParams = crate::http::extract::query(req.query_string())?;
    let mut e = ValidationErrors::new();
    let currency = q
        .currency
        .as_deref()
        .and_then(|c| e.check("currency", c.trim().parse::<Currency>()));
    let by = match q.by.as_deref().map(str::trim) {
        None | Some("units") => TopBy::Units,
        Some("revenue") => state.reports.by_revenue(currency),
        Some(_) => {
            e.add("by", "must be units or revenue");
            TopBy::Units
        }
    };
    let limit = match q.limit.as_deref().map(str::trim) {
        None => merx_reports::DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n @ 1..=merx_reports::MAX_LIMIT) => n,
            _ => {
                e.add("limit", "must be a whole number from 1 to 100");
                merx_reports::DEFAULT_LIMIT
            }
        },
    };
    let period = period(&state, &req);
    e.into_result()?;
    let items = state.reports.top_products(period?, by, limit).await?;
    Ok(HttpResponse::Ok().json(TopProductsBody {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LowStockItemBody {
    pub product_id: uuid::Uuid,
    pub product_name: String,
    pub variant_id: uuid::Uuid,
    pub sku: String,
    pub inventory_count: i64,
    pub available: i64,
    pub low_stock_threshold: i64,
}

impl From<VariantLevel> for LowStockItemBody {
    fn from(v: VariantLevel) -> Self {
        Self {
            product_id: *v.product_id.as_uuid(),
            product_name: v.product_name,
            variant_id: *v.level.variant_id.as_uuid(),
            sku: v.sku,
            inventory_count: v.level.on_hand,
            available: v.level.available(),
            low_stock_threshold: v.level.settings.low_stock_threshold,
        }
    }
}

/// Tracked variants at or below their low-stock threshold, fewest available first, then by
/// SKU, in the §1 page envelope (admin).
#[utoipa::path(get, path = "/api/v1/admin/reports/low-stock", tag = "admin",
    security(("bearer" = []), ("api_key" = [])), params(crate::http::extract::PagingParams),
    responses((status = 200, body = PageBody<LowStockItemBody>), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, description = "validation_error", body = ErrorBody)))]
#[get("/admin/reports/low-stock")]
pub async fn low_stock(
    state: web::Data<AppState>,
    _admin: Admin,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    let page = state.reports.low_stock(paging.0).await?;
    Ok(HttpResponse::Ok().json(PageBody::from_page(page, LowStockItemBody::from)))
}
