use merx_kernel::{StoreError, ValidationErrors};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    #[error("product not found")]
    ProductNotFound,
    #[error("variant not found")]
    VariantNotFound,
    #[error("the slug `{0}` is taken")]
    SlugTaken(String),
    #[error("the SKU `{0}` is taken")]
    SkuTaken(String),
    #[error("a product keeps at least one variant")]
    LastVariant,
    /// A stock change the inventory refused (below zero).
    #[error(transparent)]
    Stock(merx_inventory::InventoryError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
