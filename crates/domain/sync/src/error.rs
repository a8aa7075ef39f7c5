use merx_kernel::StoreError;

/// What the storefront answered when it did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// The SKU is taken by the storefront's product `existing` (WooCommerce
    /// `product_invalid_sku` with `resource_id`): that one is to be updated.
    #[error("duplicate SKU (storefront product {existing})")]
    DuplicateSku { existing: i64 },
    #[error("not found at the storefront")]
    NotFound,
    /// A 4xx other than the above: retrying the same request will not help.
    #[error("refused: {0}")]
    Refused(String),
    /// Unreachable, timed out or 5xx: worth retrying later.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No storefront is configured (`woocommerce_unavailable`).
    #[error("WooCommerce is not configured")]
    NotConfigured,
    #[error(transparent)]
    Validation(#[from] merx_kernel::ValidationErrors),
    #[error("product not found")]
    ProductNotFound,
    #[error("variant not found")]
    VariantNotFound,
    #[error("order not found")]
    OrderNotFound,
    /// The storefront failed or refused (`woocommerce_sync_failed`).
    #[error("WooCommerce: {0}")]
    Remote(#[from] RemoteError),
    #[error(transparent)]
    Stock(merx_inventory::InventoryError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<merx_catalog::CatalogError> for SyncError {
    fn from(e: merx_catalog::CatalogError) -> Self {
        use merx_catalog::CatalogError as C;
        match e {
            C::ProductNotFound => Self::ProductNotFound,
            C::VariantNotFound => Self::VariantNotFound,
            C::Validation(v) => Self::Validation(v),
            C::Store(s) => Self::Store(s),
            C::Stock(s) => Self::Stock(s),
            other => Self::Store(StoreError::Unavailable(other.to_string())),
        }
    }
}
