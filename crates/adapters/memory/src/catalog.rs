//! Products and their variants in memory; their stock lives in [`MemoryStock`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use merx_catalog::{
    CatalogError, InitialStock, Product, ProductQuery, ProductRepository, SortBy, SortOrder,
    StockedProduct,
};
use merx_kernel::{AuditEntry, Page, ProductId, StoreError, Timestamp, VariantId};

use crate::{MemoryStock, lock};

/// Something in memory that keeps pointing at products (cart lines, order lines).
pub trait ProductReferences: Send + Sync {
    fn references(&self, product: ProductId) -> bool;
}

/// Products in memory, sharing stock with a [`MemoryStock`].
pub struct MemoryCatalog {
    products: Mutex<HashMap<ProductId, Product>>,
    stock: Arc<MemoryStock>,
    references: Mutex<Vec<Arc<dyn ProductReferences>>>,
}

impl MemoryCatalog {
    #[must_use]
    pub fn new(stock: Arc<MemoryStock>) -> Self {
        Self {
            products: Mutex::new(HashMap::new()),
            stock,
            references: Mutex::new(Vec::new()),
        }
    }

    /// Makes `is_referenced` consult another store (carts, orders).
    pub fn track_references(&self, by: Arc<dyn ProductReferences>) {
        lock(&self.references).push(by);
    }

    /// Adds a review write's change to a product's counts per star (a product deleted since
    /// has none to change).
    pub(crate) fn add_ratings(&self, product: ProductId, delta: [i64; 5]) {
        if let Some(p) = lock(&self.products).get_mut(&product) {
            p.reviews = p.reviews.plus(delta);
        }
    }

    /// Every variant with its product and stock level at `now`.
    pub(crate) fn variant_levels(&self, now: Timestamp) -> Vec<merx_reports::VariantLevel> {
        let products: Vec<Product> = lock(&self.products).values().cloned().collect();
        let mut all = Vec::new();
        for p in products {
            let ids: Vec<VariantId> = p.variants.iter().map(|v| v.id).collect();
            for level in self.stock.levels_now(&ids, now) {
                if let Some(v) = p.variant(level.variant_id) {
                    all.push(merx_reports::VariantLevel {
                        product_id: p.id,
                        product_name: p.name.clone(),
                        sku: v.sku.clone(),
                        level,
                    });
                }
            }
        }
        all
    }

    /// Slug and SKU uniqueness against every other product.
    fn check_unique(
        all: &HashMap<ProductId, Product>,
        product: &Product,
    ) -> Result<(), CatalogError> {
        for other in all.values().filter(|p| p.id != product.id) {
            if other.slug == product.slug {
                return Err(CatalogError::SlugTaken(product.slug.clone()));
            }
            if let Some(v) = product
                .variants
                .iter()
                .find(|v| other.variants.iter().any(|w| w.sku == v.sku))
            {
                return Err(CatalogError::SkuTaken(v.sku.clone()));
            }
        }
        Ok(())
    }

    fn matches(&self, p: &Product, q: &ProductQuery) -> bool {
        let price = p.price().amount();
        let text = q.search.as_ref().map(|s| s.to_lowercase());
        q.statuses.contains(&p.status)
            && q.category
                .as_ref()
                .is_none_or(|c| p.category.as_deref() == Some(c.as_str()))
            && q.tag.as_ref().is_none_or(|t| p.tags.iter().any(|x| x == t))
            && q.currency.is_none_or(|c| p.currency == c)
            && q.min_price.is_none_or(|m| price >= m)
            && q.max_price.is_none_or(|m| price <= m)
            && q.featured.is_none_or(|f| p.is_featured == f)
            && q.min_rating.is_none_or(|m| p.reviews.meets(m))
            && text.is_none_or(|t| p.search_text().contains(&t))
            && q.in_stock.is_none_or(|want| {
                let ids: Vec<VariantId> = p.variants.iter().map(|v| v.id).collect();
                merx_inventory::is_in_stock(&self.stock.levels_now(&ids, q.now)) == want
            })
    }
}

#[async_trait]
impl ProductRepository for MemoryCatalog {
    async fn insert(
        &self,
        product: &Product,
        stock: &[(VariantId, InitialStock)],
        audit: Option<AuditEntry>,
    ) -> Result<(), CatalogError> {
        let mut all = lock(&self.products);
        Self::check_unique(&all, product)?;
        all.insert(product.id, product.clone());
        self.stock.add_levels(stock, product.updated_at);
        self.stock.audit_log().record(audit);
        Ok(())
    }

    async fn update(
        &self,
        product: &Product,
        new_stock: &[(VariantId, InitialStock)],
        audit: Option<AuditEntry>,
    ) -> Result<bool, CatalogError> {
        let mut all = lock(&self.products);
        let Some(old) = all.get(&product.id) else {
            return Ok(false);
        };
        Self::check_unique(&all, product)?;
        // The rating counts are the review writes' (`add_ratings`), never a product edit's.
        let reviews = old.reviews;
        let gone: Vec<VariantId> = old
            .variants
            .iter()
            .filter(|v| product.variant(v.id).is_none())
            .map(|v| v.id)
            .collect();
        all.insert(
            product.id,
            Product {
                reviews,
                ..product.clone()
            },
        );
        self.stock.remove_levels(&gone);
        self.stock.add_levels(new_stock, product.updated_at);
        self.stock.audit_log().record(audit);
        Ok(true)
    }

    async fn find(&self, id: ProductId) -> Result<Option<Product>, StoreError> {
        Ok(lock(&self.products).get(&id).cloned())
    }

    async fn find_stocked_by_slug(
        &self,
        slug: &str,
        now: Timestamp,
    ) -> Result<Option<StockedProduct>, StoreError> {
        let found = lock(&self.products)
            .values()
            .find(|p| p.slug == slug)
            .cloned();
        Ok(found.map(|product| {
            let ids: Vec<VariantId> = product.variants.iter().map(|v| v.id).collect();
            let levels = self.stock.levels_now(&ids, now);
            StockedProduct { product, levels }
        }))
    }

    async fn find_many(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError> {
        let products = lock(&self.products);
        Ok(ids
            .iter()
            .filter_map(|id| products.get(id).cloned())
            .collect())
    }

    async fn find_by_slug(&self, slug: &str) -> Result<Option<Product>, StoreError> {
        Ok(lock(&self.products)
            .values()
            .find(|p| p.slug == slug)
            .cloned())
    }

    async fn find_by_variant(&self, variant: VariantId) -> Result<Option<Product>, StoreError> {
        Ok(lock(&self.products)
            .values()
            .find(|p| p.variant(variant).is_some())
            .cloned())
    }

    async fn slug_taken(&self, slug: &str, except: Option<ProductId>) -> Result<bool, StoreError> {
        Ok(lock(&self.products)
            .values()
            .any(|p| p.slug == slug && Some(p.id) != except))
    }

    async fn list(&self, query: &ProductQuery) -> Result<Page<Product>, StoreError> {
        let mut found: Vec<Product> = lock(&self.products)
            .values()
            .filter(|p| self.matches(p, query))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            let by = match query.sort_by {
                SortBy::Price => a.price().amount().cmp(&b.price().amount()),
                SortBy::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                SortBy::CreatedAt => a.created_at.cmp(&b.created_at),
                SortBy::Rating => a.reviews.cmp_mean(&b.reviews),
            };
            let by = by.then(a.id.cmp(&b.id));
            if query.sort_order == SortOrder::Desc {
                by.reverse()
            } else {
                by
            }
        });
        Ok(Page::of_all(found, query.page))
    }

    async fn is_referenced(&self, id: ProductId) -> Result<bool, StoreError> {
        let by = lock(&self.references).clone();
        Ok(by.iter().any(|r| r.references(id)))
    }

    async fn delete(&self, id: ProductId, audit: Option<AuditEntry>) -> Result<bool, StoreError> {
        let mut all = lock(&self.products);
        let Some(removed) = all.remove(&id) else {
            return Ok(false);
        };
        let gone: Vec<VariantId> = removed.variants.iter().map(|v| v.id).collect();
        self.stock.remove_levels(&gone);
        self.stock.audit_log().record(audit);
        Ok(true)
    }
}
