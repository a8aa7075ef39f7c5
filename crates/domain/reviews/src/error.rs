use merx_kernel::{StoreError, ValidationErrors};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// No such product, or not one for sale.
    #[error("product not found")]
    ProductNotFound,
    /// No such review, or one the caller may not see.
    #[error("review not found")]
    NotFound,
    #[error("you have reviewed this product already")]
    Exists,
    /// The caller may see the review but not do this to it.
    #[error("not allowed")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}
