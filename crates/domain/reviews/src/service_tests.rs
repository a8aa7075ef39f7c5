//! The review use cases over mocks: who may do what, and a write another write overtook.

use std::sync::Arc;

use merx_catalog::{MockProductRepository, Product, ProductStatus, RatingSummary};
use merx_identity::{MockUserRepository, User, UserId};
use merx_kernel::{Currency, ManualClock, ProductId};

use crate::{
    MockPurchases, MockReviewStore, Moderation, Review, ReviewDraft, ReviewEdit, ReviewError,
    ReviewId, ReviewService, ReviewStatus, Reviewer,
};

fn product(status: ProductStatus) -> Product {
    Product {
        id: ProductId::new(),
        name: "Oil".into(),
        slug: "oil".into(),
        description: None,
        short_description: None,
        category: None,
        tags: vec![],
        images: vec![],
        status,
        is_featured: false,
        currency: Currency::Usd,
        attributes: serde_json::Map::new(),
        seo_title: None,
        seo_description: None,
        variants: vec![],
        reviews: RatingSummary::default(),
        created_at: chrono::DateTime::default(),
        updated_at: chrono::DateTime::default(),
    }
}

fn review(author: UserId, status: ReviewStatus) -> Review {
    Review {
        id: ReviewId::new(),
        product_id: ProductId::new(),
        user_id: author,
        author_name: "Jane D.".into(),
        rating: 3,
        title: None,
        body: "Fine".into(),
        verified_purchase: false,
        status,
        version: 4,
        created_at: chrono::DateTime::default(),
        updated_at: chrono::DateTime::default(),
    }
}

fn customer(id: UserId) -> Reviewer {
    Reviewer {
        user: Some(id),
        is_admin: false,
    }
}

struct Mocks {
    reviews: MockReviewStore,
    products: MockProductRepository,
    users: MockUserRepository,
    purchases: MockPurchases,
}

impl Mocks {
    fn new() -> Self {
        Self {
            reviews: MockReviewStore::new(),
            products: MockProductRepository::new(),
            users: MockUserRepository::new(),
            purchases: MockPurchases::new(),
        }
    }

    fn service(self, moderation: Moderation) -> ReviewService {
        ReviewService::new(
            Arc::new(self.reviews),
            Arc::new(self.products),
            Arc::new(self.users),
            Arc::new(self.purchases),
            Arc::new(ManualClock::new(chrono::DateTime::default())),
        )
        .with_moderation(moderation)
    }
}

fn draft() -> ReviewDraft {
    ReviewDraft {
        rating: 5,
        title: None,
        body: "Lovely".into(),
    }
}

#[tokio::test]
async fn an_api_key_writes_no_review_and_nothing_is_read() {
    let service = Mocks::new().service(Moderation::Off);
    let by = Reviewer {
        user: None,
        is_admin: true,
    };
    let refused = service.create(by, ProductId::new(), draft()).await;
    assert!(matches!(refused, Err(ReviewError::Forbidden)));
}

#[tokio::test]
async fn a_draft_product_cannot_be_reviewed() {
    let mut m = Mocks::new();
    m.products
        .expect_find()
        .returning(|_| Ok(Some(product(ProductStatus::Draft))));
    let refused = m
        .service(Moderation::Off)
        .create(customer(UserId::new()), ProductId::new(), draft())
        .await;
    assert!(matches!(refused, Err(ReviewError::ProductNotFound)));
}

#[tokio::test]
async fn under_moderation_a_new_review_waits_and_counts_nothing() {
    let mut m = Mocks::new();
    let author = UserId::new();
    m.products
        .expect_find()
        .returning(|_| Ok(Some(product(ProductStatus::Active))));
    m.users.expect_find_by_id().returning(|id| {
        Ok(Some(User {
            id,
            full_name: Some("Jane Doe".into()),
            ..crate::service_tests::user()
        }))
    });
    m.purchases
        .expect_has_order_holding()
        .returning(|_, _, _| Ok(true));
    m.reviews
        .expect_insert()
        .withf(|r, delta| r.status == ReviewStatus::Pending && delta.is_zero())
        .returning(|_, _| Ok(true));
    let written = m
        .service(Moderation::On)
        .create(customer(author), ProductId::new(), draft())
        .await
        .expect("written");
    assert_eq!(
        (written.author_name.as_str(), written.verified_purchase),
        ("Jane D.", true)
    );
}

fn user() -> User {
    User {
        id: UserId::new(),
        email: merx_identity::Email::parse("jane@merx.test").expect("email"),
        password_hash: merx_identity::PasswordHash::from_stored("$2b$04$x".into()),
        full_name: None,
        phone: None,
        role: merx_identity::Role::Customer,
        is_active: true,
        is_verified: true,
        attributes: serde_json::Map::new(),
        created_at: chrono::DateTime::default(),
        updated_at: chrono::DateTime::default(),
    }
}

#[tokio::test]
async fn an_edit_overtaken_by_another_write_is_computed_again_from_the_new_version() {
    let mut m = Mocks::new();
    let author = UserId::new();
    let first = review(author, ReviewStatus::Published);
    let mut second = first.clone();
    second.rating = 1;
    second.version = 5;
    let mut reads = vec![second.clone(), first.clone()];
    m.reviews
        .expect_find()
        .times(2)
        .returning(move |_| Ok(reads.pop()));
    m.purchases
        .expect_has_order_holding()
        .returning(|_, _, _| Ok(false));
    let mut answers = vec![true, false];
    m.reviews
        .expect_update()
        .times(2)
        .returning(move |_, _| Ok(answers.pop().unwrap_or(false)));
    let edited = m
        .service(Moderation::Off)
        .edit(
            customer(author),
            first.id,
            ReviewEdit {
                rating: Some(4),
                ..ReviewEdit::default()
            },
        )
        .await
        .expect("edited");
    assert_eq!(
        (edited.rating, edited.version),
        (4, 6),
        "over the version read last"
    );
}

#[tokio::test]
async fn others_learn_nothing_of_unpublished_reviews_and_may_not_touch_published_ones() {
    for (status, expected) in [
        (ReviewStatus::Pending, "not found"),
        (ReviewStatus::Published, "forbidden"),
    ] {
        let mut m = Mocks::new();
        let r = review(UserId::new(), status);
        m.reviews
            .expect_find()
            .returning(move |_| Ok(Some(r.clone())));
        let refused = m
            .service(Moderation::Off)
            .delete(customer(UserId::new()), ReviewId::new())
            .await;
        let got = match refused {
            Err(ReviewError::NotFound) => "not found",
            Err(ReviewError::Forbidden) => "forbidden",
            _ => "something else",
        };
        assert_eq!(got, expected, "{status:?}");
    }
}

#[tokio::test]
async fn a_customer_may_not_set_a_status_even_on_their_own_review() {
    let mut m = Mocks::new();
    let author = UserId::new();
    let r = review(author, ReviewStatus::Pending);
    m.reviews
        .expect_find()
        .returning(move |_| Ok(Some(r.clone())));
    let refused = m
        .service(Moderation::On)
        .edit(
            customer(author),
            ReviewId::new(),
            ReviewEdit {
                status: Some(ReviewStatus::Published),
                ..ReviewEdit::default()
            },
        )
        .await;
    assert!(matches!(refused, Err(ReviewError::Forbidden)));
}
