//! Demo data: the small catalog in demo/catalog.json (drawn from the four shops in the spec's
//! seeds) and, for benchmarks, any number of generated products. Seeding is idempotent: a
//! product whose slug exists is left alone.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use merx_catalog::{
    Audience, CatalogError, CatalogService, ImageInput, ProductInput, ProductStatus, VariantInput,
    slugify,
};
use merx_kernel::Currency;
use serde::Deserialize;

const DEMO_CATALOG: &str = include_str!("../demo/catalog.json");

#[derive(Debug, Deserialize)]
struct DemoProduct {
    name: String,
    description: Option<String>,
    short_description: Option<String>,
    category: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    currency: Currency,
    status: String,
    #[serde(default)]
    is_featured: bool,
    #[serde(default)]
    images: Vec<DemoImage>,
    #[serde(default)]
    attributes: serde_json::Map<String, serde_json::Value>,
    seo_title: Option<String>,
    seo_description: Option<String>,
    variants: Vec<VariantInput>,
}

#[derive(Debug, Deserialize)]
struct DemoImage {
    url: String,
    alt_text: Option<String>,
    sort_order: Option<i32>,
}

impl From<DemoProduct> for ProductInput {
    fn from(d: DemoProduct) -> Self {
        Self {
            name: d.name,
            description: d.description,
            short_description: d.short_description,
            category: d.category,
            tags: d.tags,
            images: d
                .images
                .into_iter()
                .map(|i| ImageInput {
                    url: i.url,
                    alt_text: i.alt_text,
                    sort_order: i.sort_order,
                })
                .collect(),
            status: ProductStatus::parse(&d.status),
            is_featured: d.is_featured,
            currency: Some(d.currency),
            attributes: d.attributes,
            seo_title: d.seo_title,
            seo_description: d.seo_description,
            variants: d.variants,
            ..Self::default()
        }
    }
}

/// The demo catalog as product inputs.
///
/// # Errors
/// When demo/catalog.json does not parse (a build-time file: a test guards it).
pub fn demo_products() -> Result<Vec<ProductInput>, serde_json::Error> {
    let list: Vec<DemoProduct> = serde_json::from_str(DEMO_CATALOG)?;
    Ok(list.into_iter().map(ProductInput::from).collect())
}

const CATEGORIES: [&str; 6] = [
    "outerwear",
    "tops",
    "hair-care",
    "serums",
    "accessories",
    "home",
];
const COLOURS: [&str; 4] = ["black", "ivory", "navy", "sage"];

/// A deterministic generated product; every seventh has a Korean name so search benchmarks
/// cover Hangul too.
fn generated(i: usize) -> ProductInput {
    let category = CATEGORIES[i % CATEGORIES.len()];
    let name = if i.is_multiple_of(7) {
        format!("생성된 상품 {i:06} 헤어 오일")
    } else {
        format!("Generated {category} item {i:06}")
    };
    let variant_count = 1 + i % 3;
    let base = i64::try_from(500 + (i * 37) % 20_000).unwrap_or(500);
    let variants = (0..variant_count)
        .map(|k| VariantInput {
            sku: format!("GEN-{i:06}-{k}"),
            options: BTreeMap::from([(
                "color".to_owned(),
                COLOURS[(i + k) % COLOURS.len()].to_owned(),
            )]),
            price: base + i64::try_from(k).unwrap_or(0) * 250,
            inventory_count: Some(i64::try_from((i * 13 + k) % 60).unwrap_or(0)),
            ..VariantInput::default()
        })
        .collect();
    ProductInput {
        name,
        description: Some(format!("A generated {category} product for load tests.")),
        category: Some(category.to_owned()),
        tags: vec![format!("tag-{}", i % 25), "generated".to_owned()],
        status: Some(if i.is_multiple_of(20) {
            ProductStatus::Draft
        } else {
            ProductStatus::Active
        }),
        is_featured: i.is_multiple_of(50),
        currency: Some(Currency::Usd),
        variants,
        ..ProductInput::default()
    }
}

/// What a seeding run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    pub created: usize,
    pub skipped: usize,
}

/// Loads the demo catalog, then `generated` more products (8 at a time).
///
/// # Errors
/// The first failure other than "already there".
pub async fn seed(
    catalog: &CatalogService,
    generated_count: usize,
) -> Result<SeedReport, CatalogError> {
    seed_with_progress(catalog, generated_count, &|_| {}).await
}

/// How many products [`seed`] looks at for `generated_count` generated ones.
///
/// # Errors
/// When the shipped demo catalog does not parse.
pub fn seed_size(generated_count: usize) -> Result<usize, CatalogError> {
    Ok(demo_products()
        .map_err(|e| CatalogError::Store(merx_kernel::StoreError::other(e)))?
        .len()
        + generated_count)
}

/// [`seed`], telling `progress` of each product done (created or already there).
///
/// # Errors
/// As for [`seed`].
pub async fn seed_with_progress(
    catalog: &CatalogService,
    generated_count: usize,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<SeedReport, CatalogError> {
    let demo =
        demo_products().map_err(|e| CatalogError::Store(merx_kernel::StoreError::other(e)))?;
    let inputs = demo.into_iter().chain((1..=generated_count).map(generated));
    let results: Vec<Result<bool, CatalogError>> = futures_util::stream::iter(inputs)
        .map(|input| async move {
            if catalog
                .get_by_slug(&slugify(&input.name), Audience::Admin)
                .await
                .is_ok()
            {
                return Ok(false);
            }
            match catalog.create(input, &merx_kernel::Author::System).await {
                Ok(_) => Ok(true),
                // Seeded before under another slug (or by a concurrent run): keep what is there.
                Err(CatalogError::SkuTaken(_)) => Ok(false),
                Err(e) => Err(e),
            }
        })
        .buffer_unordered(8)
        .inspect(|_| progress(1))
        .collect()
        .await;
    let mut report = SeedReport::default();
    for r in results {
        if r? {
            report.created += 1;
        } else {
            report.skipped += 1;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalog_parses_and_covers_three_currencies() {
        let products = demo_products().expect("demo/catalog.json parses");
        assert!(products.len() >= 20, "{} products", products.len());
        let currencies: std::collections::BTreeSet<_> =
            products.iter().filter_map(|p| p.currency).collect();
        assert!(
            currencies.contains(&Currency::Usd)
                && currencies.contains(&Currency::Krw)
                && currencies.contains(&Currency::Jod)
        );
    }

    #[test]
    fn generated_products_are_distinct() {
        let a = generated(1);
        let b = generated(2);
        assert_ne!(a.name, b.name);
        assert_ne!(a.variants[0].sku, b.variants[0].sku);
        assert!(generated(7).name.contains("헤어"));
    }
}
