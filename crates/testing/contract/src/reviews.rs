//! What every review store must do: one review per author and product, writes only over the
//! version they were computed from, and every write's change to the product's counts kept,
//! concurrent writes included.

use std::any::Any;
use std::sync::Arc;

use merx_catalog::{
    MinRating, ProductQuery, ProductRepository, ProductStatus, RatingSummary, SortBy, SortOrder,
};
use merx_identity::{User, UserId, UserRepository};
use merx_kernel::{PageRequest, ProductId};
use merx_reviews::{
    RatingDelta, Review, ReviewFilter, ReviewId, ReviewSort, ReviewStatus, ReviewStore,
};

use crate::catalog::{now, product, stock_of, variant};

/// A store's reviews, with the products and users they point at.
pub struct ReviewRepos {
    pub reviews: Arc<dyn ReviewStore>,
    pub products: Arc<dyn ProductRepository>,
    pub users: Arc<dyn UserRepository>,
    pub guard: Box<dyn Any + Send + Sync>,
}

async fn stored_product(repos: &ReviewRepos, slug: &str) -> ProductId {
    let mut p = product(slug, vec![variant(&format!("{slug}-SKU"), 1000)]);
    p.status = ProductStatus::Active;
    repos
        .products
        .insert(&p, &stock_of(&p, 5), None)
        .await
        .expect("insert product");
    p.id
}

async fn stored_user(repos: &ReviewRepos, email: &str) -> UserId {
    let mut u: User = crate::identity::user(email);
    u.id = UserId::new();
    repos.users.insert(&u, None).await.expect("insert user");
    u.id
}

fn review(product: ProductId, user: UserId, rating: u8, status: ReviewStatus) -> Review {
    let at = now();
    Review {
        id: ReviewId::new(),
        product_id: product,
        user_id: user,
        author_name: "Minji K.".into(),
        rating,
        title: Some("<b>Title</b> ".into()),
        body: "Body\nwith lines  ".into(),
        verified_purchase: false,
        status,
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

async fn counts(repos: &ReviewRepos, product: ProductId) -> [u32; 5] {
    repos
        .products
        .find(product)
        .await
        .expect("find")
        .expect("product")
        .reviews
        .counts()
}

async fn insert(repos: &ReviewRepos, r: &Review) -> bool {
    repos
        .reviews
        .insert(r, RatingDelta::between(None, Some(r)))
        .await
        .expect("insert")
}

pub async fn a_review_is_stored_once_per_author_and_product(repos: &ReviewRepos) {
    let p = stored_product(repos, "oil").await;
    let u = stored_user(repos, "a@merx.test").await;
    let first = review(p, u, 4, ReviewStatus::Published);
    assert!(insert(repos, &first).await);
    assert_eq!(
        repos.reviews.find(first.id).await.expect("find"),
        Some(first.clone()),
        "read back as written, text untouched"
    );
    let second = review(p, u, 1, ReviewStatus::Published);
    assert!(
        !insert(repos, &second).await,
        "one review per author and product"
    );
    assert_eq!(repos.reviews.find(second.id).await.expect("find"), None);
    assert_eq!(
        counts(repos, p).await,
        [0, 0, 0, 1, 0],
        "the refused one counted nothing"
    );
}

pub async fn writes_apply_only_over_the_version_they_read(repos: &ReviewRepos) {
    let p = stored_product(repos, "soap").await;
    let u = stored_user(repos, "b@merx.test").await;
    let r = review(p, u, 2, ReviewStatus::Published);
    assert!(insert(repos, &r).await);
    let mut edited = r.clone();
    edited.rating = 5;
    edited.version = 2;
    let delta = RatingDelta::between(Some(&r), Some(&edited));
    assert!(repos.reviews.update(&edited, delta).await.expect("update"));
    assert!(
        !repos.reviews.update(&edited, delta).await.expect("update"),
        "the same change again is over a version that is gone"
    );
    assert_eq!(counts(repos, p).await, [0, 0, 0, 0, 1], "applied once");
    let gone = RatingDelta::between(Some(&edited), None);
    assert!(!repos.reviews.delete(r.id, 1, gone).await.expect("delete"));
    assert!(repos.reviews.delete(r.id, 2, gone).await.expect("delete"));
    assert_eq!(repos.reviews.find(r.id).await.expect("find"), None);
    assert_eq!(counts(repos, p).await, [0; 5]);
    assert!(
        insert(repos, &review(p, u, 3, ReviewStatus::Published)).await,
        "may write anew"
    );
}

pub async fn concurrent_writes_of_different_reviews_all_count(repos: &ReviewRepos) {
    let p = stored_product(repos, "cream").await;
    let mut users = Vec::new();
    for i in 0..16 {
        users.push(stored_user(repos, &format!("c{i}@merx.test")).await);
    }
    let writes = users.iter().enumerate().map(|(i, u)| {
        let r = review(
            p,
            *u,
            u8::try_from(i % 5 + 1).expect("star"),
            ReviewStatus::Published,
        );
        let store = repos.reviews.clone();
        tokio::spawn(async move {
            store
                .insert(&r, RatingDelta::between(None, Some(&r)))
                .await
                .expect("insert")
        })
    });
    for done in futures_util::future::join_all(writes).await {
        assert!(done.expect("task"));
    }
    assert_eq!(counts(repos, p).await, [4, 3, 3, 3, 3]);
}

pub async fn a_product_edit_keeps_its_rating_counts(repos: &ReviewRepos) {
    let p = stored_product(repos, "balm").await;
    let u = stored_user(repos, "d@merx.test").await;
    // The product as read before the review: an edit from it must not write the old counts.
    let stale = repos
        .products
        .find(p)
        .await
        .expect("find")
        .expect("product");
    assert!(insert(repos, &review(p, u, 5, ReviewStatus::Published)).await);
    let mut edited = stale;
    edited.name = "Balm, renamed".into();
    edited.reviews = RatingSummary::default();
    assert!(
        repos
            .products
            .update(&edited, &[], None)
            .await
            .expect("update")
    );
    assert_eq!(counts(repos, p).await, [0, 0, 0, 0, 1]);
}

pub async fn lists_filter_sort_and_page(repos: &ReviewRepos) {
    let p = stored_product(repos, "mist").await;
    let other = stored_product(repos, "toner").await;
    let mut written = Vec::new();
    for (i, (rating, status, verified)) in [
        (5, ReviewStatus::Published, true),
        (3, ReviewStatus::Published, false),
        (4, ReviewStatus::Pending, false),
        (1, ReviewStatus::Published, true),
    ]
    .into_iter()
    .enumerate()
    {
        let u = stored_user(repos, &format!("e{i}@merx.test")).await;
        let mut r = review(p, u, rating, status);
        r.verified_purchase = verified;
        r.created_at += chrono::Duration::seconds(i64::try_from(i).expect("small"));
        assert!(insert(repos, &r).await);
        written.push(r);
    }
    let elsewhere = stored_user(repos, "f@merx.test").await;
    assert!(insert(repos, &review(other, elsewhere, 5, ReviewStatus::Published)).await);
    let list = |filter: ReviewFilter, size: i64| {
        let reviews = repos.reviews.clone();
        async move {
            reviews
                .list(
                    &filter,
                    PageRequest::new(Some(1), Some(size)).expect("page"),
                )
                .await
                .expect("list")
        }
    };
    let published = |sort| ReviewFilter {
        product_id: Some(p),
        status: Some(ReviewStatus::Published),
        sort,
        ..ReviewFilter::default()
    };
    let ratings = |page: merx_kernel::Page<Review>| -> Vec<u8> {
        page.items.iter().map(|r| r.rating).collect()
    };
    assert_eq!(
        ratings(list(published(ReviewSort::Newest), 10).await),
        [1, 3, 5]
    );
    assert_eq!(
        ratings(list(published(ReviewSort::Oldest), 10).await),
        [5, 3, 1]
    );
    assert_eq!(
        ratings(list(published(ReviewSort::RatingDesc), 10).await),
        [5, 3, 1]
    );
    assert_eq!(
        ratings(list(published(ReviewSort::RatingAsc), 10).await),
        [1, 3, 5]
    );
    let verified = ReviewFilter {
        verified: Some(true),
        ..published(ReviewSort::Newest)
    };
    assert_eq!(ratings(list(verified, 10).await), [1, 5]);
    let three = ReviewFilter {
        rating: Some(3),
        ..published(ReviewSort::Newest)
    };
    assert_eq!(ratings(list(three, 10).await), [3]);
    let page = list(published(ReviewSort::Newest), 2).await;
    assert_eq!((page.items.len(), page.total, page.has_next), (2, 3, true));
    let pending = ReviewFilter {
        status: Some(ReviewStatus::Pending),
        ..ReviewFilter::default()
    };
    assert_eq!(ratings(list(pending, 10).await), [4]);
    assert_eq!(
        list(ReviewFilter::default(), 10).await.total,
        5,
        "every product's"
    );
}

pub async fn products_filter_and_sort_by_their_mean_rating(repos: &ReviewRepos) {
    let high = stored_product(repos, "high").await; // 4.5
    let low = stored_product(repos, "low").await; // 3
    let none = stored_product(repos, "none").await;
    for (i, (p, rating)) in [(high, 4), (high, 5), (low, 3)].into_iter().enumerate() {
        let u = stored_user(repos, &format!("g{i}@merx.test")).await;
        assert!(insert(repos, &review(p, u, rating, ReviewStatus::Published)).await);
    }
    let query = |min_rating: Option<&str>, sort_order| ProductQuery {
        statuses: vec![ProductStatus::Active],
        min_rating: min_rating.map(|m| MinRating::parse(m).expect("bound")),
        sort_by: SortBy::Rating,
        sort_order,
        page: PageRequest::default(),
        ..ProductQuery::default()
    };
    let ids = |q: ProductQuery| {
        let products = repos.products.clone();
        async move {
            products
                .list(&q)
                .await
                .expect("list")
                .items
                .into_iter()
                .map(|p| p.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(query(None, SortOrder::Desc)).await, [high, low, none]);
    assert_eq!(ids(query(None, SortOrder::Asc)).await, [none, low, high]);
    assert_eq!(ids(query(Some("4.5"), SortOrder::Desc)).await, [high]);
    assert_eq!(ids(query(Some("3"), SortOrder::Desc)).await, [high, low]);
    assert_eq!(
        ids(query(Some("4.51"), SortOrder::Desc)).await,
        Vec::<ProductId>::new()
    );
}
