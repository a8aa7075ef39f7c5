//! The review use cases: write, edit, moderate, delete, list.

use std::sync::Arc;

use merx_catalog::ProductRepository;
use merx_identity::{UserId, UserRepository};
use merx_kernel::{Clock, Page, PageRequest, ProductId, StoreError, ValidationErrors};
use merx_orders::PaymentStatus;

use crate::input::{body, rating, title};
use crate::{
    Moderation, Purchases, RatingDelta, Review, ReviewDraft, ReviewEdit, ReviewError, ReviewFilter,
    ReviewId, ReviewStatus, ReviewStore, Reviewer, author_name,
};

/// The payment statuses of an order that make its items a verified purchase: it was paid (a
/// later refund does not unmake the purchase).
pub const PAID: [PaymentStatus; 3] = [
    PaymentStatus::Paid,
    PaymentStatus::PartiallyRefunded,
    PaymentStatus::Refunded,
];

/// How often a write of a review that another write overtook is tried again.
const ATTEMPTS: usize = 8;

/// Reviews and ratings (spec §18) over their ports.
#[derive(Clone)]
pub struct ReviewService {
    reviews: Arc<dyn ReviewStore>,
    products: Arc<dyn ProductRepository>,
    users: Arc<dyn UserRepository>,
    purchases: Arc<dyn Purchases>,
    clock: Arc<dyn Clock>,
    moderation: Moderation,
}

impl ReviewService {
    #[must_use]
    pub fn new(
        reviews: Arc<dyn ReviewStore>,
        products: Arc<dyn ProductRepository>,
        users: Arc<dyn UserRepository>,
        purchases: Arc<dyn Purchases>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            reviews,
            products,
            users,
            purchases,
            clock,
            moderation: Moderation::Off,
        }
    }

    #[must_use]
    pub fn with_moderation(self, moderation: Moderation) -> Self {
        Self { moderation, ..self }
    }

    /// Now, to the microsecond: what every store keeps, so a review reads back as answered.
    fn now(&self) -> merx_kernel::Timestamp {
        use chrono::SubsecRound;
        self.clock.now().trunc_subsecs(6)
    }

    /// A product the public can see, or `ProductNotFound`.
    async fn for_sale(&self, product: ProductId) -> Result<(), ReviewError> {
        match self.products.find(product).await? {
            Some(p) if p.is_for_sale() => Ok(()),
            _ => Err(ReviewError::ProductNotFound),
        }
    }

    async fn bought(&self, user: UserId, product: ProductId) -> Result<bool, StoreError> {
        self.purchases.has_order_holding(user, product, &PAID).await
    }

    /// Writes `by`'s review of `product`.
    ///
    /// # Errors
    /// `Forbidden` for an API key, `ProductNotFound`, `Validation`, `Exists` for a second
    /// review of the product by the same user.
    pub async fn create(
        &self,
        by: Reviewer,
        product: ProductId,
        draft: ReviewDraft,
    ) -> Result<Review, ReviewError> {
        let user = by.author()?;
        let mut e = ValidationErrors::new();
        let stars = rating(&mut e, draft.rating);
        title(&mut e, draft.title.as_deref());
        body(&mut e, &draft.body);
        e.into_result()?;
        self.for_sale(product).await?;
        let author = self
            .users
            .find_by_id(user)
            .await?
            .ok_or(ReviewError::Forbidden)?;
        let now = self.now();
        let review = Review {
            id: ReviewId::new(),
            product_id: product,
            user_id: user,
            author_name: author_name(author.full_name.as_deref()),
            rating: stars,
            title: draft.title,
            body: draft.body,
            verified_purchase: self.bought(user, product).await?,
            status: self.moderation.new_status(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        if self
            .reviews
            .insert(&review, RatingDelta::between(None, Some(&review)))
            .await?
        {
            Ok(review)
        } else {
            Err(ReviewError::Exists)
        }
    }

    /// The review as `edit` leaves it: the author's text, an admin's status.
    async fn edited(
        &self,
        by: Reviewer,
        review: &Review,
        edit: &ReviewEdit,
    ) -> Result<Review, ReviewError> {
        by.may_change(review)?;
        if edit.status.is_some() && !by.is_admin {
            return Err(ReviewError::Forbidden);
        }
        if edit.touches_text() && !by.wrote(review) {
            return Err(ReviewError::Forbidden);
        }
        let mut after = review.clone();
        let mut e = ValidationErrors::new();
        if let Some(r) = edit.rating {
            after.rating = rating(&mut e, r);
        }
        if let Some(t) = &edit.title {
            title(&mut e, t.as_deref());
            after.title.clone_from(t);
        }
        if let Some(b) = &edit.body {
            body(&mut e, b);
            after.body.clone_from(b);
        }
        e.into_result()?;
        if edit.touches_text() {
            after.status = self.moderation.edited_status(review.status);
            after.verified_purchase = self.bought(review.user_id, review.product_id).await?;
        }
        if let Some(status) = edit.status {
            after.status = status;
        }
        after.version = review.version + 1;
        after.updated_at = self.now();
        Ok(after)
    }

    /// Applies `edit` to review `id` for `by`.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (see [`Reviewer`]; a customer setting a status), `Validation`.
    pub async fn edit(
        &self,
        by: Reviewer,
        id: ReviewId,
        edit: ReviewEdit,
    ) -> Result<Review, ReviewError> {
        for _ in 0..ATTEMPTS {
            let review = self.reviews.find(id).await?.ok_or(ReviewError::NotFound)?;
            let after = self.edited(by, &review, &edit).await?;
            let delta = RatingDelta::between(Some(&review), Some(&after));
            if self.reviews.update(&after, delta).await? {
                return Ok(after);
            }
        }
        Err(overtaken())
    }

    /// Deletes review `id` (its author or an admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete(&self, by: Reviewer, id: ReviewId) -> Result<(), ReviewError> {
        for _ in 0..ATTEMPTS {
            let review = self.reviews.find(id).await?.ok_or(ReviewError::NotFound)?;
            by.may_change(&review)?;
            let delta = RatingDelta::between(Some(&review), None);
            if self.reviews.delete(id, review.version, delta).await? {
                return Ok(());
            }
        }
        Err(overtaken())
    }

    /// The published reviews of a product for sale, filtered and sorted as asked.
    ///
    /// # Errors
    /// `ProductNotFound`.
    pub async fn published(
        &self,
        product: ProductId,
        mut filter: ReviewFilter,
        page: PageRequest,
    ) -> Result<Page<Review>, ReviewError> {
        self.for_sale(product).await?;
        filter.product_id = Some(product);
        filter.status = Some(ReviewStatus::Published);
        Ok(self.reviews.list(&filter, page).await?)
    }

    /// Every review the filter names, for admins.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn all(
        &self,
        filter: ReviewFilter,
        page: PageRequest,
    ) -> Result<Page<Review>, ReviewError> {
        Ok(self.reviews.list(&filter, page).await?)
    }
}

/// Another write changed the review at every attempt: the caller may try again.
fn overtaken() -> ReviewError {
    ReviewError::Store(StoreError::Unavailable(
        "the review kept changing under concurrent writes".into(),
    ))
}
