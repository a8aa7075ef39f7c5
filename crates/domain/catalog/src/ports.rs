use async_trait::async_trait;
use merx_kernel::audit::AuditEntry;
use merx_kernel::{Page, ProductId, StoreError, Timestamp, VariantId};

use crate::{CatalogError, InitialStock, Product, ProductQuery, StockedProduct};

/// Products with their variants, stored whole.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProductRepository: Send + Sync {
    /// Stores a new product, its variants and their initial stock levels in one atomic step,
    /// with the write's audit entry when given (so for every write port below).
    ///
    /// # Errors
    /// [`CatalogError::SlugTaken`] or [`CatalogError::SkuTaken`] (also under a race: the store
    /// enforces uniqueness), then nothing is stored.
    async fn insert(
        &self,
        product: &Product,
        stock: &[(VariantId, InitialStock)],
        audit: Option<AuditEntry>,
    ) -> Result<(), CatalogError>;

    /// Replaces an existing product and its variant list (variants no longer listed are
    /// removed; new ones get the given stock levels), atomically. False when there is no such
    /// product.
    ///
    /// # Errors
    /// As for [`Self::insert`].
    async fn update(
        &self,
        product: &Product,
        new_stock: &[(VariantId, InitialStock)],
        audit: Option<AuditEntry>,
    ) -> Result<bool, CatalogError>;

    async fn find(&self, id: ProductId) -> Result<Option<Product>, StoreError>;

    /// The products of `ids` that exist, in no particular order.
    async fn find_many(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError>;

    async fn find_by_slug(&self, slug: &str) -> Result<Option<Product>, StoreError>;

    /// The product with this slug and its variants' stock levels (holds live at `now`
    /// counted), read together: a storefront's product page in one round trip.
    async fn find_stocked_by_slug(
        &self,
        slug: &str,
        now: Timestamp,
    ) -> Result<Option<StockedProduct>, StoreError>;

    /// The product that has this variant.
    async fn find_by_variant(&self, variant: VariantId) -> Result<Option<Product>, StoreError>;

    /// Whether another product than `except` has the slug.
    async fn slug_taken(&self, slug: &str, except: Option<ProductId>) -> Result<bool, StoreError>;

    /// One page of the products matching the query, in its order (ties broken by id).
    async fn list(&self, query: &ProductQuery) -> Result<Page<Product>, StoreError>;

    /// Whether anything that must keep pointing at the product (order lines, cart lines)
    /// references it.
    async fn is_referenced(&self, id: ProductId) -> Result<bool, StoreError>;

    /// Erases the product, its variants and their stock; false when there is no such product.
    async fn delete(&self, id: ProductId, audit: Option<AuditEntry>) -> Result<bool, StoreError>;
}
