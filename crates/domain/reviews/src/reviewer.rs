//! Who is asking, and what that lets them do to a review.

use merx_identity::{Principal, UserId};

use crate::{Review, ReviewError};

/// The caller of a review use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reviewer {
    /// The signed-in user; `None` for an API key (an admin that is nobody's author).
    pub user: Option<UserId>,
    pub is_admin: bool,
}

impl Reviewer {
    #[must_use]
    pub fn of(principal: &Principal) -> Self {
        Self {
            user: principal.user_id(),
            is_admin: principal.is_admin(),
        }
    }

    /// The user who writes a new review: only a signed-in user is an author.
    pub(crate) fn author(&self) -> Result<UserId, ReviewError> {
        self.user.ok_or(ReviewError::Forbidden)
    }

    pub(crate) fn wrote(&self, review: &Review) -> bool {
        self.user == Some(review.user_id)
    }

    /// Whether the caller may change `review` at all (its author or an admin). Someone else
    /// learns nothing of a review the public cannot see (404), and may not touch one it can
    /// (403).
    pub(crate) fn may_change(&self, review: &Review) -> Result<(), ReviewError> {
        if self.wrote(review) || self.is_admin {
            Ok(())
        } else if review.is_published() {
            Err(ReviewError::Forbidden)
        } else {
            Err(ReviewError::NotFound)
        }
    }
}
