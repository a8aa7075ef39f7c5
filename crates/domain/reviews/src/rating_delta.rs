//! What a review write changes in its product's counts per star.

use crate::Review;

/// The change to a product's published reviews per star (index 0 is one star) that one write
/// of a review makes. Stores add it to the product's counts in the review's own transaction,
/// as a relative update, so concurrent writes never undo one another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RatingDelta(pub [i64; 5]);

impl RatingDelta {
    /// The change from the review as it was (`None`: not written yet) to as it is (`None`:
    /// deleted). Only published reviews count.
    #[must_use]
    pub fn between(before: Option<&Review>, after: Option<&Review>) -> Self {
        let mut delta = [0; 5];
        for (review, sign) in [(before, -1), (after, 1)] {
            if let Some(r) = review.filter(|r| r.is_published())
                && let Some(slot) = usize::from(r.rating)
                    .checked_sub(1)
                    .and_then(|i| delta.get_mut(i))
            {
                *slot += sign;
            }
        }
        Self(delta)
    }

    /// Nothing changes: the counts need no write.
    #[must_use]
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 5]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ReviewId, ReviewStatus};
    use merx_identity::UserId;
    use merx_kernel::ProductId;

    fn review(rating: u8, status: ReviewStatus) -> Review {
        Review {
            id: ReviewId::new(),
            product_id: ProductId::new(),
            user_id: UserId::new(),
            author_name: "Jane D.".into(),
            rating,
            title: None,
            body: "Good".into(),
            verified_purchase: false,
            status,
            version: 1,
            created_at: chrono::DateTime::default(),
            updated_at: chrono::DateTime::default(),
        }
    }

    #[test]
    fn a_new_published_review_adds_one_to_its_star() {
        let r = review(4, ReviewStatus::Published);
        assert_eq!(RatingDelta::between(None, Some(&r)).0, [0, 0, 0, 1, 0]);
        assert_eq!(RatingDelta::between(Some(&r), None).0, [0, 0, 0, -1, 0]);
    }

    #[test]
    fn an_edit_moves_one_count_and_unpublished_reviews_count_nothing() {
        let three = review(3, ReviewStatus::Published);
        let five = review(5, ReviewStatus::Published);
        assert_eq!(
            RatingDelta::between(Some(&three), Some(&five)).0,
            [0, 0, -1, 0, 1]
        );
        let pending = review(5, ReviewStatus::Pending);
        assert!(RatingDelta::between(None, Some(&pending)).is_zero());
        assert_eq!(
            RatingDelta::between(Some(&three), Some(&pending)).0,
            [0, 0, -1, 0, 0]
        );
        assert!(RatingDelta::between(Some(&five), Some(&five)).is_zero());
    }
}
