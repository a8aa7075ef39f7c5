//! Reports in Postgres: read-only aggregates over orders, refunds, sessions, cart milestones
//! and stock, grouped by UTC quarter hour for the domain to add up into local periods.

use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Text, Timestamptz, Uuid};
use diesel_async::RunQueryDsl;
use merx_inventory::{StockLevel, StockSettings};
use merx_kernel::{Currency, Page, PageRequest, ProductId, StoreError, Timestamp, VariantId};
use merx_reports::{
    BusinessCounters, FunnelCounts, ProductSales, RefundBucket, ReportSource, SalesBucket,
    VariantLevel,
};

use crate::database::{PgPool, conn};
use crate::error::{decode, store_error};

type DbError = diesel::result::Error;

/// When an order counts as sold: `merx_reports::sold_at` in SQL, word for word the expression
/// of the `orders_sold_at` index (migration 000018), so the index serves every range on it.
const SOLD_AT: &str = "COALESCE(paid_at, \
    CASE WHEN payment_method = 'cash_on_delivery' AND status <> 'cancelled' THEN confirmed_at END)";

/// The UTC quarter hour of a time (`merx_reports::quarter_hour`).
fn quarter_hour(column: &str) -> String {
    format!("date_bin('15 minutes', {column}, TIMESTAMPTZ '1970-01-01 00:00:00+00')")
}

/// Runs a report query over `[$1, $2)`.
async fn in_period<R>(
    pool: &PgPool,
    sql: String,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<R>, StoreError>
where
    R: QueryableByName<diesel::pg::Pg> + Send + 'static,
{
    let mut c = conn(pool).await?;
    diesel::sql_query(sql)
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .load(&mut c)
        .await
        .map_err(store_error)
}

#[derive(Clone)]
pub struct PgReports {
    pool: PgPool,
}

impl PgReports {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn currency(code: &str) -> Result<Currency, DbError> {
    code.parse().map_err(|_| decode("currency"))
}

#[derive(QueryableByName)]
struct SalesRow {
    #[diesel(sql_type = Timestamptz)]
    start: Timestamp,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    orders: i64,
    #[diesel(sql_type = BigInt)]
    gross: i64,
    #[diesel(sql_type = BigInt)]
    discounts: i64,
    #[diesel(sql_type = BigInt)]
    tax: i64,
    #[diesel(sql_type = BigInt)]
    shipping: i64,
}

#[derive(QueryableByName)]
struct RefundRow {
    #[diesel(sql_type = Timestamptz)]
    start: Timestamp,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = BigInt)]
    amount: i64,
}

#[derive(QueryableByName)]
struct FunnelRow {
    #[diesel(sql_type = BigInt)]
    carts_created: i64,
    #[diesel(sql_type = BigInt)]
    carts_with_items: i64,
    #[diesel(sql_type = BigInt)]
    carts_ordered: i64,
    #[diesel(sql_type = BigInt)]
    checkouts_started: i64,
    #[diesel(sql_type = BigInt)]
    checkouts_completed: i64,
    #[diesel(sql_type = BigInt)]
    orders_placed: i64,
    #[diesel(sql_type = BigInt)]
    orders_paid: i64,
}

#[derive(QueryableByName)]
struct ProductRow {
    #[diesel(sql_type = Uuid)]
    product_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    currency: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Timestamptz)]
    last_sold_at: Timestamp,
    #[diesel(sql_type = BigInt)]
    units: i64,
    #[diesel(sql_type = BigInt)]
    revenue: i64,
}

#[derive(QueryableByName)]
struct LevelRow {
    #[diesel(sql_type = Uuid)]
    product_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    product_name: String,
    #[diesel(sql_type = Uuid)]
    variant_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    sku: String,
    #[diesel(sql_type = BigInt)]
    on_hand: i64,
    #[diesel(sql_type = BigInt)]
    reserved: i64,
    #[diesel(sql_type = Bool)]
    track_inventory: bool,
    #[diesel(sql_type = BigInt)]
    low_stock_threshold: i64,
    #[diesel(sql_type = Timestamptz)]
    updated_at: Timestamp,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

/// How many variants are low (for a page past the end, which has no row to carry the count).
async fn count_low(
    c: &mut diesel_async::AsyncPgConnection,
    now: Timestamp,
) -> Result<u64, DbError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let n: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM stock_levels s \
         LEFT JOIN (SELECT variant_id, sum(quantity) AS held FROM stock_reservations \
                    WHERE expires_at > $1 GROUP BY variant_id) r ON r.variant_id = s.variant_id \
         WHERE s.track_inventory AND s.on_hand - COALESCE(r.held, 0) <= s.low_stock_threshold",
    )
    .bind::<Timestamptz, _>(now)
    .get_result(c)
    .await?;
    Ok(count(n.n))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[async_trait]
impl ReportSource for PgReports {
    async fn sales(&self, from: Timestamp, to: Timestamp) -> Result<Vec<SalesBucket>, StoreError> {
        let rows: Vec<SalesRow> = in_period(
            &self.pool,
            format!(
                "SELECT {start} AS start, currency, count(*) AS orders, \
                 sum((totals ->> 'total')::bigint)::bigint AS gross, \
                 sum((totals ->> 'discount_total')::bigint)::bigint AS discounts, \
                 sum((totals ->> 'tax_total')::bigint)::bigint AS tax, \
                 sum((totals ->> 'shipping_total')::bigint)::bigint AS shipping \
             FROM orders WHERE {SOLD_AT} >= $1 AND {SOLD_AT} < $2 \
             GROUP BY 1, 2 ORDER BY 1, 2",
                start = quarter_hour(SOLD_AT),
            ),
            from,
            to,
        )
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(SalesBucket {
                    start: r.start,
                    currency: currency(&r.currency)?,
                    orders: count(r.orders),
                    gross: r.gross,
                    discounts: r.discounts,
                    tax: r.tax,
                    shipping: r.shipping,
                })
            })
            .collect::<Result<_, DbError>>()
            .map_err(store_error)
    }

    async fn refunds(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RefundBucket>, StoreError> {
        // `merx_reports::refund_counts`: every refund but a failed one.
        let rows: Vec<RefundRow> = in_period(
            &self.pool,
            format!(
                "SELECT {start} AS start, currency, sum(amount)::bigint AS amount \
             FROM refunds WHERE status <> 'failed' AND created_at >= $1 AND created_at < $2 \
             GROUP BY 1, 2 ORDER BY 1, 2",
                start = quarter_hour("created_at"),
            ),
            from,
            to,
        )
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(RefundBucket {
                    start: r.start,
                    currency: currency(&r.currency)?,
                    amount: r.amount,
                })
            })
            .collect::<Result<_, DbError>>()
            .map_err(store_error)
    }

    async fn funnel(&self, from: Timestamp, to: Timestamp) -> Result<FunnelCounts, StoreError> {
        let r: FunnelRow = in_period::<FunnelRow>(
            &self.pool,
            format!(
                "SELECT carts.*, sessions.*, placed.*, paid.* FROM \
             (SELECT count(*) AS carts_created, \
                     count(*) FILTER (WHERE first_item_at IS NOT NULL) AS carts_with_items, \
                     count(*) FILTER (WHERE first_item_at IS NOT NULL AND ordered_at IS NOT NULL) \
                         AS carts_ordered \
              FROM cart_milestones WHERE created_at >= $1 AND created_at < $2) carts, \
             (SELECT count(*) AS checkouts_started, \
                     count(*) FILTER (WHERE order_id IS NOT NULL) AS checkouts_completed \
              FROM checkout_sessions WHERE created_at >= $1 AND created_at < $2) sessions, \
             (SELECT count(*) AS orders_placed FROM orders \
              WHERE created_at >= $1 AND created_at < $2) placed, \
             (SELECT count(*) AS orders_paid FROM orders \
              WHERE {SOLD_AT} >= $1 AND {SOLD_AT} < $2) paid"
            ),
            from,
            to,
        )
        .await?
        .pop()
        .ok_or_else(|| StoreError::message("a funnel count"))?;
        Ok(FunnelCounts {
            carts_created: count(r.carts_created),
            carts_with_items: count(r.carts_with_items),
            carts_ordered: count(r.carts_ordered),
            checkouts_started: count(r.checkouts_started),
            checkouts_completed: count(r.checkouts_completed),
            orders_placed: count(r.orders_placed),
            orders_paid: count(r.orders_paid),
        })
    }

    async fn product_sales(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ProductSales>, StoreError> {
        let rows: Vec<ProductRow> = in_period(
            &self.pool,
            format!(
                "SELECT (i ->> 'product_id')::uuid AS product_id, o.currency, \
                 (array_agg(i ->> 'name' ORDER BY o.sold_at DESC))[1] AS name, \
                 max(o.sold_at) AS last_sold_at, \
                 sum((i ->> 'quantity')::bigint)::bigint AS units, \
                 sum((i ->> 'line_total')::bigint - (i ->> 'discount')::bigint)::bigint AS revenue \
             FROM (SELECT currency, items, {SOLD_AT} AS sold_at FROM orders \
                   WHERE {SOLD_AT} >= $1 AND {SOLD_AT} < $2) o, \
                  jsonb_array_elements(o.items) i \
             GROUP BY 1, 2"
            ),
            from,
            to,
        )
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(ProductSales {
                    product_id: ProductId::from_uuid(r.product_id),
                    currency: currency(&r.currency)?,
                    name: r.name,
                    last_sold_at: r.last_sold_at,
                    units: r.units,
                    revenue: r.revenue,
                })
            })
            .collect::<Result<_, DbError>>()
            .map_err(store_error)
    }

    async fn counters(&self) -> Result<BusinessCounters, StoreError> {
        let mut c = conn(&self.pool).await?;
        counters_in(&mut c).await.map_err(store_error)
    }

    async fn low_stock(
        &self,
        now: Timestamp,
        page: PageRequest,
    ) -> Result<Page<VariantLevel>, StoreError> {
        let mut c = conn(&self.pool).await?;
        // `merx_reports::low_stock` in SQL: tracked, on hand less live holds at or below the
        // threshold, fewest available first, then by SKU. A variant can only be low if its
        // margin (on hand less threshold) is at most the largest live hold of any variant: the
        // `stock_levels_low_margin` index finds those few among every variant.
        let rows: Vec<LevelRow> = diesel::sql_query(
            "WITH held AS (SELECT variant_id, sum(quantity) AS held FROM stock_reservations \
                           WHERE expires_at > $1 GROUP BY variant_id), \
                  low AS (SELECT s.*, COALESCE(r.held, 0)::bigint AS reserved \
                          FROM stock_levels s LEFT JOIN held r ON r.variant_id = s.variant_id \
                          WHERE s.track_inventory \
                            AND s.on_hand - s.low_stock_threshold \
                                <= (SELECT COALESCE(max(held), 0) FROM held) \
                            AND s.on_hand - COALESCE(r.held, 0) <= s.low_stock_threshold) \
             SELECT v.product_id, p.name AS product_name, v.id AS variant_id, v.sku, l.on_hand, \
                 l.reserved, l.track_inventory, l.low_stock_threshold, l.updated_at, \
                 count(*) OVER () AS total \
             FROM low l JOIN variants v ON v.id = l.variant_id JOIN products p ON p.id = v.product_id \
             ORDER BY GREATEST(l.on_hand - l.reserved, 0), v.sku \
             LIMIT $2 OFFSET $3",
        )
        .bind::<Timestamptz, _>(now)
        .bind::<BigInt, _>(i64::from(page.page_size()))
        .bind::<BigInt, _>(i64::try_from(page.offset()).unwrap_or(i64::MAX))
        .load(&mut c)
        .await
        .map_err(store_error)?;
        let total = match <[LevelRow]>::first(&rows) {
            Some(r) => count(r.total),
            None if page.offset() > 0 => count_low(&mut c, now).await.map_err(store_error)?,
            None => 0,
        };
        let items = rows
            .into_iter()
            .map(|r| VariantLevel {
                product_id: ProductId::from_uuid(r.product_id),
                product_name: r.product_name,
                sku: r.sku,
                level: StockLevel {
                    variant_id: VariantId::from_uuid(r.variant_id),
                    on_hand: r.on_hand,
                    reserved: r.reserved,
                    settings: StockSettings {
                        track_inventory: r.track_inventory,
                        low_stock_threshold: r.low_stock_threshold,
                    },
                    updated_at: r.updated_at,
                },
            })
            .collect();
        Ok(Page::new(items, total, page))
    }
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn counted(
    c: &mut diesel_async::AsyncPgConnection,
    sql: &str,
) -> Result<Vec<(String, i64)>, DbError> {
    let rows: Vec<Counted> = diesel::sql_query(sql).load(c).await?;
    Ok(rows.into_iter().map(|r| (r.key, r.n)).collect())
}

/// Business totals for `/metrics`, read in one snapshot.
async fn counters_in(c: &mut diesel_async::AsyncPgConnection) -> Result<BusinessCounters, DbError> {
    let orders = counted(
        c,
        "SELECT status AS key, count(*) AS n FROM orders GROUP BY 1 ORDER BY 1",
    )
    .await?;
    let revenue = counted(
        c,
        &format!(
            "SELECT currency AS key, sum((totals ->> 'total')::bigint)::bigint AS n FROM orders \
             WHERE {SOLD_AT} IS NOT NULL GROUP BY 1 ORDER BY 1"
        ),
    )
    .await?;
    let sessions = counted(
        c,
        "SELECT status AS key, count(*) AS n FROM checkout_sessions GROUP BY 1 ORDER BY 1",
    )
    .await?;
    Ok(BusinessCounters {
        orders_by_status: orders.into_iter().map(|(k, n)| (k, count(n))).collect(),
        revenue: revenue
            .into_iter()
            .map(|(k, n)| Ok((currency(&k)?, n)))
            .collect::<Result<_, DbError>>()?,
        sessions_by_outcome: sessions.into_iter().map(|(k, n)| (k, count(n))).collect(),
    })
}

#[cfg(test)]
mod tests {
    use merx_kernel::PaymentMethod;
    use merx_orders::{OrderStatus, RefundStatus};

    #[test]
    fn the_sql_names_the_domains_values() {
        assert!(super::SOLD_AT.contains(&format!(
            "payment_method = '{}'",
            PaymentMethod::CashOnDelivery.as_str()
        )));
        assert!(
            super::SOLD_AT.contains(&format!("status <> '{}'", OrderStatus::Cancelled.as_str()))
        );
        assert_eq!(RefundStatus::Failed.as_str(), "failed");
        assert!(
            PaymentMethod::ALL
                .iter()
                .filter(|m| m.settles_on_delivery())
                .all(|m| *m == PaymentMethod::CashOnDelivery)
        );
    }
}
