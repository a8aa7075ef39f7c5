//! Reviews in memory. A write and its change to the product's counts happen under this
//! store's lock, so the counts are as exact as in Postgres.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use async_trait::async_trait;
use merx_kernel::{Page, PageRequest, ProductId, StoreError};
use merx_reviews::{RatingDelta, Review, ReviewFilter, ReviewId, ReviewSort, ReviewStore};

use crate::catalog::ProductReferences;
use crate::{MemoryCatalog, lock};

pub struct MemoryReviews {
    reviews: Mutex<HashMap<ReviewId, Review>>,
    catalog: Arc<MemoryCatalog>,
}

impl MemoryReviews {
    #[must_use]
    pub fn new(catalog: Arc<MemoryCatalog>) -> Self {
        Self {
            reviews: Mutex::new(HashMap::new()),
            catalog,
        }
    }
}

/// What the catalog asks of reviews before it deletes a product (a reviewed product is
/// archived instead). Holds the reviews weakly: they hold the catalog.
pub struct ReviewedProducts(Weak<MemoryReviews>);

impl ReviewedProducts {
    #[must_use]
    pub fn of(reviews: &Arc<MemoryReviews>) -> Arc<Self> {
        Arc::new(Self(Arc::downgrade(reviews)))
    }
}

impl ProductReferences for ReviewedProducts {
    fn references(&self, product: ProductId) -> bool {
        self.0.upgrade().is_some_and(|reviews| {
            lock(&reviews.reviews)
                .values()
                .any(|r| r.product_id == product)
        })
    }
}

fn matches(r: &Review, f: &ReviewFilter) -> bool {
    f.product_id.is_none_or(|p| r.product_id == p)
        && f.user_id.is_none_or(|u| r.user_id == u)
        && f.status.is_none_or(|s| r.status == s)
        && f.rating.is_none_or(|n| r.rating == n)
        && f.verified.is_none_or(|v| r.verified_purchase == v)
}

#[async_trait]
impl ReviewStore for MemoryReviews {
    async fn insert(&self, review: &Review, delta: RatingDelta) -> Result<bool, StoreError> {
        let mut all = lock(&self.reviews);
        if all
            .values()
            .any(|r| r.product_id == review.product_id && r.user_id == review.user_id)
        {
            return Ok(false);
        }
        all.insert(review.id, review.clone());
        self.catalog.add_ratings(review.product_id, delta.0);
        Ok(true)
    }

    async fn find(&self, id: ReviewId) -> Result<Option<Review>, StoreError> {
        Ok(lock(&self.reviews).get(&id).cloned())
    }

    async fn update(&self, review: &Review, delta: RatingDelta) -> Result<bool, StoreError> {
        let mut all = lock(&self.reviews);
        match all.get_mut(&review.id) {
            Some(stored) if stored.version == review.version - 1 => {
                *stored = review.clone();
                self.catalog.add_ratings(review.product_id, delta.0);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete(
        &self,
        id: ReviewId,
        version: i64,
        delta: RatingDelta,
    ) -> Result<bool, StoreError> {
        let mut all = lock(&self.reviews);
        match all.get(&id) {
            Some(stored) if stored.version == version => {
                let product = stored.product_id;
                all.remove(&id);
                self.catalog.add_ratings(product, delta.0);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn list(
        &self,
        filter: &ReviewFilter,
        page: PageRequest,
    ) -> Result<Page<Review>, StoreError> {
        let mut found: Vec<Review> = lock(&self.reviews)
            .values()
            .filter(|r| matches(r, filter))
            .cloned()
            .collect();
        let newest = |a: &Review, b: &Review| (b.created_at, b.id).cmp(&(a.created_at, a.id));
        found.sort_by(|a, b| match filter.sort {
            ReviewSort::Newest => newest(a, b),
            ReviewSort::Oldest => newest(b, a),
            ReviewSort::RatingDesc => b.rating.cmp(&a.rating).then_with(|| newest(a, b)),
            ReviewSort::RatingAsc => a.rating.cmp(&b.rating).then_with(|| newest(a, b)),
        });
        Ok(Page::of_all(found, page))
    }
}
