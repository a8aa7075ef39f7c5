//! How a product list query becomes SQL: its filters, its order, and the two ways of reading a
//! page (through a sort index, or through the text index for a search). See
//! docs/architecture.md, "Reading lists at 100,000 products".

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::Error as DbError;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use merx_catalog::{ProductQuery, SortBy, SortOrder};
use merx_kernel::PageRequest;

use crate::product_rows::ProductRow;
use crate::schema::products;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function!(
    fn strpos(text: diesel::sql_types::Text, part: diesel::sql_types::Text) -> diesel::sql_types::Integer
);
// The bigram index's expression (migrations 000004 and 000009); a query must name it exactly.
diesel::define_sql_function!(
    fn merx_bigrams(x: diesel::sql_types::Text) -> diesel::sql_types::Array<diesel::sql_types::Text>
);

/// One page of the query's rows, in its order, and the total of matches.
pub(crate) async fn page(
    c: &mut AsyncPgConnection,
    query: &ProductQuery,
) -> Result<(Vec<ProductRow>, Total), DbError> {
    if query.search.is_some() {
        search(c, query).await
    } else {
        let (rows, total) = filter_page(c, query).await?;
        Ok((rows, Total::Exact(total)))
    }
}

/// The filters of a query (everything but order and paging).
fn filtered(q: &ProductQuery) -> products::BoxedQuery<'static, Pg> {
    let mut query = products::table.into_boxed();
    // One status (every public read) as an equality: `= ANY(...)` keeps Postgres from reading
    // the sort indexes in order.
    query = match q.statuses.as_slice() {
        [one] => query.filter(products::status.eq(one.as_str())),
        many => query.filter(
            products::status.eq_any(
                many.iter()
                    .map(|s| s.as_str().to_owned())
                    .collect::<Vec<_>>(),
            ),
        ),
    };
    if let Some(c) = &q.category {
        query = query.filter(products::category.eq(c.to_lowercase()));
    }
    if let Some(t) = &q.tag {
        query = query.filter(products::tags.contains(vec![t.to_lowercase()]));
    }
    if let Some(c) = q.currency {
        query = query.filter(products::currency.eq(c.code()));
    }
    if let Some(m) = q.min_price {
        query = query.filter(products::min_price.ge(m));
    }
    if let Some(m) = q.max_price {
        query = query.filter(products::min_price.le(m));
    }
    if let Some(f) = q.featured {
        query = query.filter(products::is_featured.eq(f));
    }
    if let Some(m) = q.min_rating {
        // The stored mean is sum / count in float8; the bound, hundredths / 100 in float8:
        // equal fractions round to the same float, so the comparison is exact.
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("products.rating_average >= ")
                .bind::<diesel::sql_types::Integer, _>(i32::try_from(m.hundredths()).unwrap_or(500))
                .sql("::float8 / 100"),
        );
    }
    if let Some(text) = &q.search {
        let lowered = text.to_lowercase();
        query = if lowered.chars().count() == 2 {
            // No trigram to index: the bigram index (every two-character piece of
            // search_text) finds the matches. strpos is the same test and cheap, so rows found
            // another way are filtered by it before merx_bigrams is recomputed (~130 µs a
            // row). Unlike a LIKE, no index serves it: a plan cannot add a scan of the whole
            // trigram index, whose lossy pages recheck every row with merx_bigrams.
            query
                .filter(strpos(products::search_text, lowered.clone()).gt(0))
                .filter(merx_bigrams(products::search_text).contains(vec![lowered]))
        } else {
            let escaped = lowered
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            query.filter(products::search_text.like(format!("%{escaped}%")))
        };
    }
    if let Some(want) = q.in_stock {
        // merx_inventory::is_in_stock in SQL: some variant untracked, or with more on hand than
        // its holds live at `now`. `sellable_variants` (kept by every write; see
        // `recount_sellable`) answers it from on-hand counts alone; products whose every
        // sellable variant is held in full are found from the live holds, a small table.
        let held_in_full = diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "products.id {} (SELECT v.product_id FROM variants v \
               JOIN stock_levels s ON s.variant_id = v.id \
               LEFT JOIN (SELECT variant_id, SUM(quantity) AS held FROM stock_reservations \
                          WHERE expires_at > ",
            if want { "NOT IN" } else { "IN" }
        ))
        .bind::<diesel::sql_types::Timestamptz, _>(q.now)
        .sql(
            " GROUP BY variant_id) r ON r.variant_id = v.id \
             WHERE v.product_id IN (SELECT v2.product_id FROM stock_reservations r2 \
               JOIN variants v2 ON v2.id = r2.variant_id WHERE r2.expires_at > ",
        )
        .bind::<diesel::sql_types::Timestamptz, _>(q.now)
        .sql(
            ") GROUP BY v.product_id \
             HAVING NOT bool_or(NOT s.track_inventory OR s.on_hand > COALESCE(r.held, 0)))",
        );
        query = if want {
            query.filter(products::sellable_variants.gt(0).and(held_in_full))
        } else {
            query.filter(products::sellable_variants.eq(0).or(held_in_full))
        };
    }
    query
}

/// The query in the requested order; the id breaks ties so pages never overlap.
fn ordered(
    q: products::BoxedQuery<'static, Pg>,
    query: &ProductQuery,
) -> products::BoxedQuery<'static, Pg> {
    match (query.sort_by, query.sort_order == SortOrder::Desc) {
        (SortBy::Price, false) => q.order((products::min_price.asc(), products::id.asc())),
        (SortBy::Price, true) => q.order((products::min_price.desc(), products::id.desc())),
        (SortBy::Name, false) => q.order((lower(products::name).asc(), products::id.asc())),
        (SortBy::Name, true) => q.order((lower(products::name).desc(), products::id.desc())),
        (SortBy::CreatedAt, false) => q.order((products::created_at.asc(), products::id.asc())),
        (SortBy::CreatedAt, true) => q.order((products::created_at.desc(), products::id.desc())),
        (SortBy::Rating, false) => q.order((products::rating_average.asc(), products::id.asc())),
        (SortBy::Rating, true) => q.order((products::rating_average.desc(), products::id.desc())),
    }
}

/// The search order on expressions no index matches (`+ 0`, `|| ''`), so Postgres cannot
/// choose to walk a sort index in order and filter as it goes: matches need not spread evenly
/// over the sort order, and that walk can read most of the table for one page. The text index
/// finds the matches and they are sorted instead.
fn ordered_unindexed(
    q: products::BoxedQuery<'static, Pg>,
    query: &ProductQuery,
) -> products::BoxedQuery<'static, Pg> {
    let key = match query.sort_by {
        SortBy::Price => "products.min_price + 0",
        SortBy::Name => "lower(products.name) || ''",
        SortBy::CreatedAt => "products.created_at + interval '0 s'",
        SortBy::Rating => "products.rating_average + 0",
    };
    let dir = match query.sort_order {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    q.order(diesel::dsl::sql::<diesel::sql_types::Untyped>(&format!(
        "{key} {dir}, products.id {dir}"
    )))
}

fn limited(
    q: products::BoxedQuery<'static, Pg>,
    page: PageRequest,
) -> products::BoxedQuery<'static, Pg> {
    q.limit(i64::from(page.page_size()))
        .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
}

async fn count_of(c: &mut AsyncPgConnection, query: &ProductQuery) -> Result<u64, DbError> {
    let n: i64 = filtered(query).count().get_result(c).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A page without text search: read through the sort index, stopping after one page, and
/// counted apart (Postgres answers the count from an index alone where it can). A short page
/// already tells the total, so only full or empty pages count.
async fn filter_page(
    c: &mut AsyncPgConnection,
    query: &ProductQuery,
) -> Result<(Vec<ProductRow>, u64), DbError> {
    let page = query.page;
    let rows: Vec<ProductRow> = limited(ordered(filtered(query), query), page)
        .select(ProductRow::as_select())
        .load(c)
        .await?;
    let shown = rows.len() as u64;
    let total = if shown > 0 && shown < u64::from(page.page_size()) {
        page.offset() + shown
    } else if shown == 0 && page.offset() == 0 {
        0
    } else {
        count_of(c, query).await?
    };
    Ok((rows, total))
}

/// Searches matching more than this many products are not counted: their total is the
/// planner's estimate (`total_is_estimate`), since an exact count of a one-letter search reads
/// most of the table for every page.
pub(crate) const EXACT_TOTAL_MAX: i64 = 1_000;

/// `EXPLAIN (FORMAT JSON)` of a query: the planner's guess of its rows, without running it.
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
struct Explain<Q>(Q);

impl<Q: diesel::query_builder::QueryFragment<Pg>> diesel::query_builder::QueryFragment<Pg>
    for Explain<Q>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> diesel::QueryResult<()> {
        out.push_sql("EXPLAIN (FORMAT JSON) ");
        self.0.walk_ast(out.reborrow())
    }
}

impl<Q> diesel::query_builder::Query for Explain<Q> {
    type SqlType = diesel::sql_types::Text;
}

/// The planner's estimate of how many products match the query's filters.
async fn estimated_total(c: &mut AsyncPgConnection, query: &ProductQuery) -> Result<u64, DbError> {
    let plan: String = Explain(filtered(query).select(products::id))
        .get_result(c)
        .await?;
    let plan: serde_json::Value =
        serde_json::from_str(&plan).map_err(|e| DbError::DeserializationError(e.into()))?;
    Ok(plan[0]["Plan"]["Plan Rows"].as_f64().map_or(0, |rows| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let rows = rows.max(0.0) as u64;
        rows
    }))
}

/// How a search page is counted: exactly, or (many matches) by the planner's estimate.
pub(crate) enum Total {
    Exact(u64),
    Estimate(u64),
}

/// A page of a text search. A bounded probe tells a narrow search (at most
/// [`EXACT_TOTAL_MAX`] matches) from a broad one. A narrow one: the text index finds every
/// match once (see `ordered_unindexed`), the page's ids and the count come out of that one
/// pass. A broad one: matches are dense, so walking the sort index and filtering stops after
/// one page; the total is estimated.
pub(crate) async fn search(
    c: &mut AsyncPgConnection,
    query: &ProductQuery,
) -> Result<(Vec<ProductRow>, Total), DbError> {
    let probe: Vec<uuid::Uuid> = filtered(query)
        .select(products::id)
        .limit(EXACT_TOTAL_MAX + 1)
        .load(c)
        .await?;
    if probe.len() as i64 <= EXACT_TOTAL_MAX {
        let (rows, total) = search_page(c, query).await?;
        return Ok((rows, Total::Exact(total)));
    }
    let rows: Vec<ProductRow> = limited(ordered(filtered(query), query), query.page)
        .select(ProductRow::as_select())
        .load(c)
        .await?;
    let estimate = estimated_total(c, query).await?;
    Ok((rows, Total::Estimate(estimate)))
}

/// A page of a text search: the text index finds every match once (see `ordered_unindexed`),
/// the page's ids and the count come out of that one pass, and only the page's rows are read
/// whole.
async fn search_page(
    c: &mut AsyncPgConnection,
    query: &ProductQuery,
) -> Result<(Vec<ProductRow>, u64), DbError> {
    let page = query.page;
    let hits: Vec<(uuid::Uuid, i64)> = limited(ordered_unindexed(filtered(query), query), page)
        .select((
            products::id,
            diesel::dsl::sql::<diesel::sql_types::BigInt>("COUNT(*) OVER ()"),
        ))
        .load(c)
        .await?;
    let total = match hits.as_slice() {
        [(_, n), ..] => u64::try_from(*n).unwrap_or(0),
        [] if page.offset() == 0 => 0,
        [] => count_of(c, query).await?,
    };
    let ids: Vec<uuid::Uuid> = hits.into_iter().map(|(id, _)| id).collect();
    let mut rows: Vec<ProductRow> = products::table
        .filter(products::id.eq_any(&ids))
        .select(ProductRow::as_select())
        .load(c)
        .await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok((rows, total))
}
