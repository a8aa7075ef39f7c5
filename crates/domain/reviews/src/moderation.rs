//! Whether new and edited reviews wait for an admin (`MERX_REVIEWS_MODERATION`).

use crate::ReviewStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Moderation {
    /// Reviews are published as written.
    #[default]
    Off,
    /// New and edited reviews wait, pending, until an admin publishes them.
    On,
}

impl Moderation {
    #[must_use]
    pub const fn of(on: bool) -> Self {
        if on { Self::On } else { Self::Off }
    }

    /// The status of a review just written.
    #[must_use]
    pub const fn new_status(self) -> ReviewStatus {
        match self {
            Self::Off => ReviewStatus::Published,
            Self::On => ReviewStatus::Pending,
        }
    }

    /// The status of a review its author just edited: waiting again under moderation;
    /// otherwise as it was (a rejection stands until an admin changes it).
    #[must_use]
    pub const fn edited_status(self, current: ReviewStatus) -> ReviewStatus {
        match self {
            Self::Off => current,
            Self::On => ReviewStatus::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moderation_holds_new_and_edited_reviews() {
        assert_eq!(Moderation::On.new_status(), ReviewStatus::Pending);
        assert_eq!(
            Moderation::On.edited_status(ReviewStatus::Published),
            ReviewStatus::Pending
        );
        assert_eq!(Moderation::Off.new_status(), ReviewStatus::Published);
        assert_eq!(
            Moderation::Off.edited_status(ReviewStatus::Rejected),
            ReviewStatus::Rejected
        );
    }
}
