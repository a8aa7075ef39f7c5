//! A review as stored and shown, and who it says wrote it.

use merx_identity::UserId;
use merx_kernel::{ProductId, Timestamp, typed_id};

typed_id!(
    /// Identifies a review.
    ReviewId
);

/// Whether a review is shown: only published reviews are listed and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    Published,
    /// Waiting for an admin (`MERX_REVIEWS_MODERATION=on`).
    Pending,
    Rejected,
}

impl ReviewStatus {
    pub const ALL: [Self; 3] = [Self::Published, Self::Pending, Self::Rejected];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Published => "published",
            Self::Pending => "pending",
            Self::Rejected => "rejected",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

/// A customer's review of a product: one per customer and product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: ReviewId,
    pub product_id: ProductId,
    pub user_id: UserId,
    pub author_name: String,
    /// 1 to 5 stars.
    pub rating: u8,
    pub title: Option<String>,
    pub body: String,
    pub verified_purchase: bool,
    pub status: ReviewStatus,
    /// Counts every write of the review: a store writes a review only over the version it was
    /// read at, so a change to the rating counts is never computed from a stale rating.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Review {
    /// Whether it counts in its product's rating summary and shows in public lists.
    #[must_use]
    pub fn is_published(&self) -> bool {
        self.status == ReviewStatus::Published
    }
}

/// The name a review shows: the first name and the initial of the last (`"Jane D."`), or
/// `"Customer"` for an account without a name. Never an email.
#[must_use]
pub fn author_name(full_name: Option<&str>) -> String {
    let mut words = full_name.unwrap_or_default().split_whitespace();
    let Some(first) = words.next() else {
        return "Customer".to_owned();
    };
    match words.last().and_then(|last| last.chars().next()) {
        Some(initial) => format!("{first} {}.", initial.to_uppercase()),
        None => first.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_author_shows_a_first_name_and_an_initial() {
        assert_eq!(author_name(Some("Jane Doe")), "Jane D.");
        assert_eq!(author_name(Some("  jane  van der berg ")), "jane B.");
        assert_eq!(author_name(Some("김민지")), "김민지");
        assert_eq!(author_name(Some("   ")), "Customer");
        assert_eq!(author_name(None), "Customer");
    }

    #[test]
    fn statuses_read_back_as_written() {
        for s in ReviewStatus::ALL {
            assert_eq!(ReviewStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ReviewStatus::parse("hidden"), None);
    }
}
