//! Product reviews and ratings (spec §18): one review per customer and product, moderation,
//! verified purchases, and the per-star counts every product body carries, kept exact by
//! writing each review's change to them in the review's own transaction.
//!
//! ```
//! use merx_reviews::author_name;
//!
//! // A review never shows an email: the first name and the last name's initial.
//! assert_eq!(author_name(Some("Jane Doe")), "Jane D.");
//! ```

mod error;
mod input;
mod moderation;
mod ports;
mod rating_delta;
mod review;
mod reviewer;
mod service;
#[cfg(test)]
mod service_tests;

pub use error::ReviewError;
pub use input::{MAX_BODY_CHARS, MAX_TITLE_CHARS, ReviewDraft, ReviewEdit};
pub use moderation::Moderation;
pub use ports::*;
pub use rating_delta::RatingDelta;
pub use review::{Review, ReviewId, ReviewStatus, author_name};
pub use reviewer::Reviewer;
pub use service::{PAID, ReviewService};
