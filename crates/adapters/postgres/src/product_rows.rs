//! Product and variant rows, and their conversions to and from the catalog's types.

use std::collections::{BTreeMap, HashMap};

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use merx_catalog::{Product, ProductImage, ProductStatus, RatingSummary, StockedProduct, Variant};
use merx_inventory::{StockLevel, StockSettings};
use merx_kernel::{Currency, Money, ProductId, StoreError, Timestamp, VariantId};

use crate::error::store_error;
use crate::schema::{products, variants};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = products, check_for_backend(Pg), treat_none_as_null = true)]
pub(crate) struct ProductRow {
    pub(crate) id: uuid::Uuid,
    pub(crate) slug: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) short_description: Option<String>,
    pub(crate) category: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) images: serde_json::Value,
    pub(crate) status: String,
    pub(crate) is_featured: bool,
    pub(crate) currency: String,
    pub(crate) attributes: serde_json::Value,
    pub(crate) seo_title: Option<String>,
    pub(crate) seo_description: Option<String>,
    pub(crate) min_price: i64,
    pub(crate) search_text: String,
    pub(crate) created_at: Timestamp,
    pub(crate) updated_at: Timestamp,
    /// Written by review writes alone (`reviews.rs`), as relative updates.
    #[diesel(skip_insertion, skip_update)]
    pub(crate) rating_counts: Vec<i32>,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, serde::Deserialize)]
#[diesel(table_name = variants, check_for_backend(Pg), treat_none_as_null = true)]
pub(crate) struct VariantRow {
    pub(crate) id: uuid::Uuid,
    pub(crate) product_id: uuid::Uuid,
    pub(crate) sku: String,
    pub(crate) name: String,
    pub(crate) options: serde_json::Value,
    pub(crate) price: i64,
    pub(crate) compare_at_price: Option<i64>,
    pub(crate) cost_price: Option<i64>,
    pub(crate) weight_grams: i64,
    pub(crate) position: i32,
}

pub(crate) fn product_row(p: &Product) -> ProductRow {
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
        rating_counts: p
            .reviews
            .counts()
            .iter()
            .map(|&n| i32::try_from(n).unwrap_or(i32::MAX))
            .collect(),
    }
}

pub(crate) fn variant_row(product: ProductId, v: &Variant) -> VariantRow {
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
        reviews: rating_summary(&row.rating_counts),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The counts per star as stored (one star first).
fn rating_summary(stored: &[i32]) -> RatingSummary {
    let mut counts = [0u32; 5];
    for (count, n) in counts.iter_mut().zip(stored) {
        *count = u32::try_from(*n).unwrap_or(0);
    }
    RatingSummary::from_counts(counts)
}

/// A product's variants as one JSONB array in position order, for reading a product and its
/// variants in one statement ([`products_with_variants`]).
const VARIANTS_JSON: &str = "(SELECT COALESCE(jsonb_agg(to_jsonb(v) ORDER BY v.position), '[]') \
     FROM variants v WHERE v.product_id = products.id)";

/// The products `query` selects, each with its variants, in one statement.
pub(crate) async fn products_with_variants(
    c: &mut AsyncPgConnection,
    query: products::BoxedQuery<'static, Pg>,
) -> Result<Vec<Product>, StoreError> {
    let rows: Vec<(ProductRow, serde_json::Value)> = query
        .select((
            ProductRow::as_select(),
            diesel::dsl::sql::<diesel::sql_types::Jsonb>(VARIANTS_JSON),
        ))
        .load(c)
        .await
        .map_err(store_error)?;
    rows.into_iter()
        .map(|(row, variants)| {
            let variants: Vec<VariantRow> =
                serde_json::from_value(variants).map_err(StoreError::other)?;
            to_product(row, variants)
        })
        .collect()
}

/// A level as [`stocked_product`] reads it.
#[derive(serde::Deserialize)]
struct LevelJson {
    variant_id: uuid::Uuid,
    on_hand: i64,
    track_inventory: bool,
    low_stock_threshold: i64,
    updated_at: Timestamp,
    reserved: i64,
}

/// The product `query` selects with its variants and their stock: one statement.
pub(crate) async fn stocked_product(
    c: &mut AsyncPgConnection,
    query: products::BoxedQuery<'static, Pg>,
    now: Timestamp,
) -> Result<Option<StockedProduct>, StoreError> {
    let found: Option<(ProductRow, serde_json::Value, serde_json::Value)> = query
        .select((
            ProductRow::as_select(),
            diesel::dsl::sql::<diesel::sql_types::Jsonb>(VARIANTS_JSON),
            // The levels, with their holds live at `now` summed, as one JSONB array.
            diesel::dsl::sql::<diesel::sql_types::Jsonb>(
                "(SELECT COALESCE(jsonb_agg(jsonb_build_object(\
                     'variant_id', s.variant_id, 'on_hand', s.on_hand, \
                     'track_inventory', s.track_inventory, \
                     'low_stock_threshold', s.low_stock_threshold, \
                     'updated_at', s.updated_at, 'reserved', \
                     (SELECT COALESCE(SUM(r.quantity), 0) FROM stock_reservations r \
                      WHERE r.variant_id = s.variant_id AND r.expires_at > ",
            )
            .bind::<diesel::sql_types::Timestamptz, _>(now)
            .sql(
                "))), '[]') FROM stock_levels s JOIN variants v ON v.id = s.variant_id \
                 WHERE v.product_id = products.id)",
            ),
        ))
        .first(c)
        .await
        .optional()
        .map_err(store_error)?;
    let Some((row, variants, levels)) = found else {
        return Ok(None);
    };
    let variants: Vec<VariantRow> = serde_json::from_value(variants).map_err(StoreError::other)?;
    let levels: Vec<LevelJson> = serde_json::from_value(levels).map_err(StoreError::other)?;
    Ok(Some(StockedProduct {
        product: to_product(row, variants)?,
        levels: levels
            .into_iter()
            .map(|l| StockLevel {
                variant_id: VariantId::from_uuid(l.variant_id),
                on_hand: l.on_hand,
                reserved: l.reserved,
                settings: StockSettings {
                    track_inventory: l.track_inventory,
                    low_stock_threshold: l.low_stock_threshold,
                },
                updated_at: l.updated_at,
            })
            .collect(),
    }))
}

/// Products of `rows` with their variants, in the rows' order.
pub(crate) async fn with_variants(
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
