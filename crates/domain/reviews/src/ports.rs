use async_trait::async_trait;
use merx_identity::UserId;
use merx_kernel::{Page, PageRequest, ProductId, StoreError};
use merx_orders::PaymentStatus;

use crate::{RatingDelta, Review, ReviewId, ReviewStatus};

/// The order of a review list; ties go to the newest, then the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReviewSort {
    #[default]
    Newest,
    Oldest,
    RatingDesc,
    RatingAsc,
}

/// Which reviews a list holds; every given filter must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewFilter {
    pub product_id: Option<ProductId>,
    /// Only this author's.
    pub user_id: Option<UserId>,
    pub status: Option<ReviewStatus>,
    pub rating: Option<u8>,
    pub verified: Option<bool>,
    pub sort: ReviewSort,
}

/// Reviews, and the per-star counts of published reviews that each product carries. Every
/// write changes a review and adds the given [`RatingDelta`] to its product's counts in one
/// transaction; the delta is the caller's (the store decides nothing).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ReviewStore: Send + Sync {
    /// Stores a new review; false (and nothing written) when its author has reviewed its
    /// product already.
    async fn insert(&self, review: &Review, delta: RatingDelta) -> Result<bool, StoreError>;

    async fn find(&self, id: ReviewId) -> Result<Option<Review>, StoreError>;

    /// Replaces the review stored at `review.version - 1`; false (nothing written) when it
    /// was written or deleted since.
    async fn update(&self, review: &Review, delta: RatingDelta) -> Result<bool, StoreError>;

    /// Deletes the review if it is still at `version`; false otherwise.
    async fn delete(
        &self,
        id: ReviewId,
        version: i64,
        delta: RatingDelta,
    ) -> Result<bool, StoreError>;

    async fn list(
        &self,
        filter: &ReviewFilter,
        page: PageRequest,
    ) -> Result<Page<Review>, StoreError>;
}

/// What customers bought, as far as reviews need to know.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Purchases: Send + Sync {
    /// Whether `user` has an order holding `product` whose payment status is one of `paid`.
    async fn has_order_holding(
        &self,
        user: UserId,
        product: ProductId,
        paid: &[PaymentStatus],
    ) -> Result<bool, StoreError>;
}
