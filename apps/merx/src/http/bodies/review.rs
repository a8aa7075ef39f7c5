//! A review as the review routes and a personal-data export show it.

use merx_reviews::Review;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewBody {
    pub id: uuid::Uuid,
    pub product_id: uuid::Uuid,
    pub user_id: uuid::Uuid,
    /// The first name and the last name's initial; never an email.
    #[schema(example = "Jane D.")]
    pub author_name: String,
    #[schema(minimum = 1, maximum = 5)]
    pub rating: u8,
    /// Plain text, exactly as written: escape it in HTML.
    pub title: Option<String>,
    /// Plain text, exactly as written: escape it in HTML.
    pub body: String,
    pub verified_purchase: bool,
    /// `published`, `pending` or `rejected`.
    #[schema(example = "published")]
    pub status: &'static str,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Review> for ReviewBody {
    fn from(r: Review) -> Self {
        Self {
            id: *r.id.as_uuid(),
            product_id: *r.product_id.as_uuid(),
            user_id: *r.user_id.as_uuid(),
            author_name: r.author_name,
            rating: r.rating,
            title: r.title,
            body: r.body,
            verified_purchase: r.verified_purchase,
            status: r.status.as_str(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
