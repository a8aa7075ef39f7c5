//! Products, variants and stock levels in Postgres.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use diesel::dsl::{exists, not};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DbError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_catalog::{
    CatalogError, InitialStock, Product, ProductImage, ProductQuery, ProductRepository,
    ProductStatus, SortBy, SortOrder, Variant,
};
use merx_inventory::{
    InventoryError, ReservationLine, ReserveOutcome, Shortage, StockAdjustment, StockChange,
    StockLevel, StockRepository, StockSettings, merged,
};
use merx_kernel::{
    Currency, Money, Page, PageRequest, ProductId, StoreError, Timestamp, VariantId,
};

use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::schema::{
    cart_items, products, stock_adjustments, stock_levels, stock_reservations, variants,
};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function!(
    fn strpos(text: diesel::sql_types::Text, part: diesel::sql_types::Text) -> diesel::sql_types::Integer
);
// The bigram index's expression (migrations 000004 and 000009); a query must name it exactly.
diesel::define_sql_function!(
    fn merx_bigrams(x: diesel::sql_types::Text) -> diesel::sql_types::Array<diesel::sql_types::Text>
);

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = products, check_for_backend(Pg), treat_none_as_null = true)]
struct ProductRow {
    id: uuid::Uuid,
    slug: String,
    name: String,
    description: Option<String>,
    short_description: Option<String>,
    category: Option<String>,
    tags: Vec<String>,
    images: serde_json::Value,
    status: String,
    is_featured: bool,
    currency: String,
    attributes: serde_json::Value,
    seo_title: Option<String>,
    seo_description: Option<String>,
    min_price: i64,
    search_text: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = variants, check_for_backend(Pg), treat_none_as_null = true)]
struct VariantRow {
    id: uuid::Uuid,
    product_id: uuid::Uuid,
    sku: String,
    name: String,
    options: serde_json::Value,
    price: i64,
    compare_at_price: Option<i64>,
    cost_price: Option<i64>,
    weight_grams: i64,
    position: i32,
}

fn product_row(p: &Product) -> ProductRow {
    let images: Vec<serde_json::Value> = p
        .images
        .iter()
        .map(|i| serde_json::json!({"url": i.url, "alt_text": i.alt_text, "sort_order": i.sort_order}))
        .collect();
    ProductRow {
        id: *p.id.as_uuid(),
        slug: p.slug.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        short_description: p.short_description.clone(),
        category: p.category.clone(),
        tags: p.tags.clone(),
        images: serde_json::Value::Array(images),
        status: p.status.as_str().to_owned(),
        is_featured: p.is_featured,
        currency: p.currency.code().to_owned(),
        attributes: serde_json::Value::Object(p.attributes.clone()),
        seo_title: p.seo_title.clone(),
        seo_description: p.seo_description.clone(),
        min_price: p.price().amount(),
        search_text: p.search_text(),
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

fn variant_row(product: ProductId, v: &Variant) -> VariantRow {
    VariantRow {
        id: *v.id.as_uuid(),
        product_id: *product.as_uuid(),
        sku: v.sku.clone(),
        name: v.name.clone(),
        options: serde_json::to_value(&v.options).unwrap_or_default(),
        price: v.price.amount(),
        compare_at_price: v.compare_at_price.map(|m| m.amount()),
        cost_price: v.cost_price.map(|m| m.amount()),
        weight_grams: v.weight_grams,
        position: v.position,
    }
}

fn to_product(row: ProductRow, variant_rows: Vec<VariantRow>) -> Result<Product, StoreError> {
    let currency: Currency = row.currency.parse().map_err(StoreError::other)?;
    let status = ProductStatus::parse(&row.status)
        .ok_or_else(|| StoreError::message(format!("unknown product status `{}`", row.status)))?;
    let images = row
        .images
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| ProductImage {
            url: i["url"].as_str().unwrap_or_default().to_owned(),
            alt_text: i["alt_text"].as_str().map(str::to_owned),
            sort_order: i["sort_order"]
                .as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .unwrap_or(0),
        })
        .collect();
    let variants = variant_rows
        .into_iter()
        .map(|v| Variant {
            id: VariantId::from_uuid(v.id),
            sku: v.sku,
            name: v.name,
            options: serde_json::from_value::<BTreeMap<String, String>>(v.options)
                .unwrap_or_default(),
            price: Money::new(v.price, currency),
            compare_at_price: v.compare_at_price.map(|a| Money::new(a, currency)),
            cost_price: v.cost_price.map(|a| Money::new(a, currency)),
            weight_grams: v.weight_grams,
            position: v.position,
        })
        .collect();
    Ok(Product {
        id: ProductId::from_uuid(row.id),
        name: row.name,
        slug: row.slug,
        description: row.description,
        short_description: row.short_description,
        category: row.category,
        tags: row.tags,
        images,
        status,
        is_featured: row.is_featured,
        currency,
        attributes: match row.attributes {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        },
        seo_title: row.seo_title,
        seo_description: row.seo_description,
        variants,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Slug and SKU clashes as the domain names them; anything else is a store failure.
fn catalog_error(e: DbError, product: &Product) -> CatalogError {
    if let DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &e {
        match info.constraint_name() {
            Some("products_slug_key") => return CatalogError::SlugTaken(product.slug.clone()),
            Some("variants_sku_key") => {
                // "Key (sku)=(ABC-1) already exists."
                let sku = info
                    .details()
                    .and_then(|d| {
                        d.split_once(")=(")
                            .map(|(_, rest)| rest.trim_end_matches(") already exists.").to_owned())
                    })
                    .unwrap_or_default();
                return CatalogError::SkuTaken(sku);
            }
            _ => {}
        }
    }
    CatalogError::Store(store_error(e))
}

/// Units held by reservations live at `now`, per variant, leaving out `except`'s.
async fn live_reservations(
    c: &mut AsyncPgConnection,
    ids: &[uuid::Uuid],
    now: Timestamp,
    except: Option<&str>,
) -> Result<HashMap<uuid::Uuid, i64>, DbError> {
    let mut query = stock_reservations::table
        .filter(stock_reservations::variant_id.eq_any(ids))
        .filter(stock_reservations::expires_at.gt(now))
        .group_by(stock_reservations::variant_id)
        .select((
            stock_reservations::variant_id,
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>>(
                "SUM(quantity)::BIGINT",
            ),
        ))
        .into_boxed();
    if let Some(holder) = except {
        query = query.filter(stock_reservations::holder.ne(holder.to_owned()));
    }
    let sums: Vec<(uuid::Uuid, Option<i64>)> = query.load(c).await?;
    Ok(sums.into_iter().map(|(v, n)| (v, n.unwrap_or(0))).collect())
}

/// Recounts the product's sellable variants (the `in_stock` filter's column). Callers hold the
/// product row's lock (they updated it, or locked it first), so concurrent stock changes of one
/// product recount one after the other and each sees the previous one's result.
pub(crate) async fn recount_sellable(
    tx: &mut AsyncPgConnection,
    product: uuid::Uuid,
) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE products SET sellable_variants = (\
             SELECT count(*) FROM variants v JOIN stock_levels s ON s.variant_id = v.id \
             WHERE v.product_id = $1 AND (s.on_hand > 0 OR NOT s.track_inventory)) \
         WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(product)
    .execute(tx)
    .await?;
    Ok(())
}

async fn insert_stock(
    tx: &mut AsyncPgConnection,
    stock: &[(VariantId, InitialStock)],
    at: Timestamp,
) -> Result<(), DbError> {
    let rows: Vec<_> = stock
        .iter()
        .map(|(id, s)| {
            (
                stock_levels::variant_id.eq(*id.as_uuid()),
                stock_levels::on_hand.eq(s.on_hand),
                stock_levels::track_inventory.eq(s.track_inventory),
                stock_levels::low_stock_threshold.eq(s.low_stock_threshold),
                stock_levels::updated_at.eq(at),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(stock_levels::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(tx)
            .await?;
    }
    Ok(())
}

/// Products of `rows` with their variants, in the rows' order.
async fn with_variants(
    c: &mut AsyncPgConnection,
    rows: Vec<ProductRow>,
) -> Result<Vec<Product>, StoreError> {
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
    let variant_rows: Vec<VariantRow> = variants::table
        .filter(variants::product_id.eq_any(&ids))
        .order((variants::product_id, variants::position))
        .select(VariantRow::as_select())
        .load(c)
        .await
        .map_err(store_error)?;
    let mut by_product: HashMap<uuid::Uuid, Vec<VariantRow>> = HashMap::new();
    for v in variant_rows {
        by_product.entry(v.product_id).or_default().push(v);
    }
    rows.into_iter()
        .map(|r| {
            let variants = by_product.remove(&r.id).unwrap_or_default();
            to_product(r, variants)
        })
        .collect()
}

pub struct PgCatalog {
    pool: PgPool,
}

impl PgCatalog {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    async fn find_where(
        &self,
        query: products::BoxedQuery<'static, Pg>,
    ) -> Result<Option<Product>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = query
            .select(ProductRow::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        match row {
            Some(row) => Ok(with_variants(&mut c, vec![row]).await?.pop()),
            None => Ok(None),
        }
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
        // Mirrors StockLevel::is_in_stock on stock on hand: a tracked variant with stock, or
        // an untracked one (the count is kept by every write; see `recount_sellable`).
        query = if want {
            query.filter(products::sellable_variants.gt(0))
        } else {
            query.filter(products::sellable_variants.eq(0))
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

#[async_trait]
impl ProductRepository for PgCatalog {
    async fn insert(
        &self,
        product: &Product,
        stock: &[(VariantId, InitialStock)],
    ) -> Result<(), CatalogError> {
        let mut c = conn(&self.pool).await?;
        let row = product_row(product);
        let vrows: Vec<VariantRow> = product
            .variants
            .iter()
            .map(|v| variant_row(product.id, v))
            .collect();
        let at = product.updated_at;
        c.transaction::<_, DbError, _>(async move |tx| {
            diesel::insert_into(products::table)
                .values(&row)
                .execute(tx)
                .await?;
            diesel::insert_into(variants::table)
                .values(&vrows)
                .execute(tx)
                .await?;
            insert_stock(tx, stock, at).await?;
            recount_sellable(tx, row.id).await
        })
        .await
        .map_err(|e| catalog_error(e, product))
    }

    async fn update(
        &self,
        product: &Product,
        new_stock: &[(VariantId, InitialStock)],
    ) -> Result<bool, CatalogError> {
        let mut c = conn(&self.pool).await?;
        let row = product_row(product);
        let vrows: Vec<VariantRow> = product
            .variants
            .iter()
            .map(|v| variant_row(product.id, v))
            .collect();
        let keep: Vec<uuid::Uuid> = vrows.iter().map(|v| v.id).collect();
        let at = product.updated_at;
        c.transaction::<_, DbError, _>(async move |tx| {
            let n = diesel::update(products::table.find(row.id))
                .set(&row)
                .execute(tx)
                .await?;
            if n == 0 {
                return Ok(false);
            }
            diesel::delete(
                variants::table
                    .filter(variants::product_id.eq(row.id))
                    .filter(not(variants::id.eq_any(&keep))),
            )
            .execute(tx)
            .await?;
            for v in &vrows {
                diesel::insert_into(variants::table)
                    .values(v)
                    .on_conflict(variants::id)
                    .do_update()
                    .set(v)
                    .execute(tx)
                    .await?;
            }
            insert_stock(tx, new_stock, at).await?;
            recount_sellable(tx, row.id).await?;
            Ok(true)
        })
        .await
        .map_err(|e| catalog_error(e, product))
    }

    async fn find(&self, id: ProductId) -> Result<Option<Product>, StoreError> {
        self.find_where(
            products::table
                .filter(products::id.eq(*id.as_uuid()))
                .into_boxed(),
        )
        .await
    }

    async fn find_by_slug(&self, slug: &str) -> Result<Option<Product>, StoreError> {
        self.find_where(
            products::table
                .filter(products::slug.eq(slug.to_owned()))
                .into_boxed(),
        )
        .await
    }

    async fn find_by_variant(&self, variant: VariantId) -> Result<Option<Product>, StoreError> {
        self.find_where(
            products::table
                .filter(
                    products::id.eq_any(
                        variants::table
                            .filter(variants::id.eq(*variant.as_uuid()))
                            .select(variants::product_id),
                    ),
                )
                .into_boxed(),
        )
        .await
    }

    async fn slug_taken(&self, slug: &str, except: Option<ProductId>) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let mut q = products::table
            .filter(products::slug.eq(slug.to_owned()))
            .into_boxed();
        if let Some(id) = except {
            q = q.filter(products::id.ne(*id.as_uuid()));
        }
        diesel::select(exists(q))
            .get_result(&mut c)
            .await
            .map_err(store_error)
    }

    async fn list(&self, query: &ProductQuery) -> Result<Page<Product>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let (rows, total) = if query.search.is_some() {
            search_page(&mut c, query).await
        } else {
            filter_page(&mut c, query).await
        }
        .map_err(store_error)?;
        let items = with_variants(&mut c, rows).await?;
        Ok(Page::new(items, total, query.page))
    }

    async fn is_referenced(&self, id: ProductId) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let in_cart: bool = diesel::select(exists(
            cart_items::table.filter(cart_items::product_id.eq(*id.as_uuid())),
        ))
        .get_result(&mut c)
        .await
        .map_err(store_error)?;
        if in_cart {
            return Ok(true);
        }
        // Order lines are a JSONB snapshot; the GIN index answers containment.
        let probe = serde_json::json!([{ "product_id": id }]);
        diesel::select(exists(
            crate::schema::orders::table.filter(crate::schema::orders::items.contains(probe)),
        ))
        .get_result(&mut c)
        .await
        .map_err(store_error)
    }

    async fn delete(&self, id: ProductId) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n = diesel::delete(products::table.find(*id.as_uuid()))
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(n == 1)
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = stock_levels, check_for_backend(Pg))]
struct LevelRow {
    variant_id: uuid::Uuid,
    on_hand: i64,
    track_inventory: bool,
    low_stock_threshold: i64,
    updated_at: Timestamp,
}

impl From<LevelRow> for StockLevel {
    fn from(r: LevelRow) -> Self {
        Self {
            variant_id: VariantId::from_uuid(r.variant_id),
            on_hand: r.on_hand,
            reserved: 0,
            settings: StockSettings {
                track_inventory: r.track_inventory,
                low_stock_threshold: r.low_stock_threshold,
            },
            updated_at: r.updated_at,
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = stock_adjustments, check_for_backend(Pg))]
struct AdjustmentRow {
    variant_id: uuid::Uuid,
    actor: String,
    reason: String,
    before: i64,
    after: i64,
    at: Timestamp,
}

impl From<AdjustmentRow> for StockAdjustment {
    fn from(r: AdjustmentRow) -> Self {
        Self {
            variant_id: VariantId::from_uuid(r.variant_id),
            actor: r.actor,
            reason: r.reason,
            before: r.before,
            after: r.after,
            at: r.at,
        }
    }
}

pub struct PgStock {
    pool: PgPool,
}

impl PgStock {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// Why an adjustment transaction stopped.
enum AdjustFailure {
    Db(DbError),
    Rule(InventoryError),
}

impl From<DbError> for AdjustFailure {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

#[async_trait]
impl StockRepository for PgStock {
    async fn levels(
        &self,
        variant_ids: &[VariantId],
        now: Timestamp,
    ) -> Result<Vec<StockLevel>, StoreError> {
        let ids: Vec<uuid::Uuid> = variant_ids.iter().map(|v| *v.as_uuid()).collect();
        let mut c = conn(&self.pool).await?;
        let rows: Vec<LevelRow> = stock_levels::table
            .filter(stock_levels::variant_id.eq_any(&ids))
            .select(LevelRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        let held = live_reservations(&mut c, &ids, now, None)
            .await
            .map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let reserved = held.get(&row.variant_id).copied().unwrap_or(0);
                StockLevel {
                    reserved,
                    ..StockLevel::from(row)
                }
            })
            .collect())
    }

    async fn reserve(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<ReserveOutcome, StoreError> {
        let lines = merged(lines);
        let holder = holder.to_owned();
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let ids: Vec<uuid::Uuid> = lines.iter().map(|l| *l.variant_id.as_uuid()).collect();
            // Lock the levels in id order (lines are sorted): concurrent reservations of the
            // same variants queue here and each sees the ones committed before it.
            let locked: Vec<(uuid::Uuid, i64, bool)> = stock_levels::table
                .filter(stock_levels::variant_id.eq_any(&ids))
                .order(stock_levels::variant_id)
                .select((
                    stock_levels::variant_id,
                    stock_levels::on_hand,
                    stock_levels::track_inventory,
                ))
                .for_update()
                .load(tx)
                .await?;
            let held = live_reservations(tx, &ids, now, Some(&holder)).await?;
            let mut short = Vec::new();
            for line in &lines {
                let id = *line.variant_id.as_uuid();
                let available = match locked.iter().find(|(v, _, _)| *v == id) {
                    Some((_, _, false)) => continue,
                    Some((_, on_hand, true)) => {
                        (on_hand - held.get(&id).copied().unwrap_or(0)).max(0)
                    }
                    None => 0,
                };
                if line.quantity > available {
                    short.push(Shortage {
                        variant_id: line.variant_id,
                        available,
                        requested: line.quantity,
                    });
                }
            }
            if !short.is_empty() {
                return Ok(ReserveOutcome::Short(short));
            }
            diesel::delete(
                stock_reservations::table.filter(stock_reservations::holder.eq(&holder)),
            )
            .execute(tx)
            .await?;
            let rows: Vec<_> = lines
                .iter()
                .map(|l| {
                    (
                        stock_reservations::holder.eq(holder.clone()),
                        stock_reservations::variant_id.eq(*l.variant_id.as_uuid()),
                        stock_reservations::quantity.eq(l.quantity),
                        stock_reservations::expires_at.eq(expires_at),
                    )
                })
                .collect();
            diesel::insert_into(stock_reservations::table)
                .values(&rows)
                .execute(tx)
                .await?;
            Ok(ReserveOutcome::Reserved)
        })
        .await
        .map_err(store_error)
    }

    async fn release(&self, holder: &str) -> Result<u64, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n =
            diesel::delete(stock_reservations::table.filter(stock_reservations::holder.eq(holder)))
                .execute(&mut c)
                .await
                .map_err(store_error)?;
        Ok(n as u64)
    }

    async fn delete_expired_reservations(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n = diesel::delete(
            stock_reservations::table.filter(stock_reservations::expires_at.le(now)),
        )
        .execute(&mut c)
        .await
        .map_err(store_error)?;
        Ok(n as u64)
    }

    async fn adjust(
        &self,
        variant: VariantId,
        change: StockChange,
        actor: &str,
        reason: &str,
        at: Timestamp,
    ) -> Result<StockAdjustment, InventoryError> {
        let mut c = conn(&self.pool).await?;
        let (id, actor, reason) = (*variant.as_uuid(), actor.to_owned(), reason.to_owned());
        let result = c
            .transaction::<_, AdjustFailure, _>(async move |tx| {
                let (products, levels) = crate::stock_moves::lock(tx, &[id]).await?;
                let [(_, before, _)] = levels.as_slice() else {
                    return Err(AdjustFailure::Rule(InventoryError::NotFound));
                };
                let before = *before;
                let after = change.apply(before).map_err(AdjustFailure::Rule)?;
                crate::stock_moves::change(tx, id, before, after, &actor, &reason, at).await?;
                for product in products {
                    recount_sellable(tx, product).await?;
                }
                Ok(StockAdjustment {
                    variant_id: variant,
                    actor,
                    reason,
                    before,
                    after,
                    at,
                })
            })
            .await;
        result.map_err(|f| match f {
            AdjustFailure::Db(e) => InventoryError::Store(store_error(e)),
            AdjustFailure::Rule(e) => e,
        })
    }

    async fn adjustments(&self, variant: VariantId) -> Result<Vec<StockAdjustment>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let rows: Vec<AdjustmentRow> = stock_adjustments::table
            .filter(stock_adjustments::variant_id.eq(*variant.as_uuid()))
            .order((stock_adjustments::at.desc(), stock_adjustments::id.desc()))
            .select(AdjustmentRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(StockAdjustment::from).collect())
    }
}
