//! Reviews in Postgres. Each write changes its review row and adds its [`RatingDelta`] to the
//! product's `rating_counts` in one transaction, as a relative update: concurrent writes of
//! different reviews commute, and a review row is written only over the version its delta was
//! computed from.

use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_identity::UserId;
use merx_kernel::{Page, PageRequest, ProductId, StoreError, Timestamp};
use merx_reviews::{
    RatingDelta, Review, ReviewFilter, ReviewId, ReviewSort, ReviewStatus, ReviewStore,
};

use crate::catalog_changes::notify_catalog_changed;
use crate::database::{PgPool, conn};
use crate::error::{decode, store_error};
use crate::schema::reviews;

type DbError = diesel::result::Error;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = reviews, check_for_backend(Pg), treat_none_as_null = true)]
struct ReviewRow {
    id: uuid::Uuid,
    product_id: uuid::Uuid,
    user_id: uuid::Uuid,
    author_name: String,
    rating: i16,
    title: Option<String>,
    body: String,
    verified_purchase: bool,
    status: String,
    version: i64,
    created_at: Timestamp,
    updated_at: Timestamp,
}

fn row_of(r: &Review) -> ReviewRow {
    ReviewRow {
        id: *r.id.as_uuid(),
        product_id: *r.product_id.as_uuid(),
        user_id: *r.user_id.as_uuid(),
        author_name: r.author_name.clone(),
        rating: i16::from(r.rating),
        title: r.title.clone(),
        body: r.body.clone(),
        verified_purchase: r.verified_purchase,
        status: r.status.as_str().to_owned(),
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

impl TryFrom<ReviewRow> for Review {
    type Error = DbError;

    fn try_from(row: ReviewRow) -> Result<Self, DbError> {
        Ok(Self {
            id: ReviewId::from_uuid(row.id),
            product_id: ProductId::from_uuid(row.product_id),
            user_id: UserId::from_uuid(row.user_id),
            author_name: row.author_name,
            rating: u8::try_from(row.rating).map_err(|_| decode("review rating"))?,
            title: row.title,
            body: row.body,
            verified_purchase: row.verified_purchase,
            status: ReviewStatus::parse(&row.status).ok_or_else(|| decode("review status"))?,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Adds `delta` to the product's counts (one relative statement) and tells every instance
/// the catalog changed when it commits.
async fn add_ratings(
    tx: &mut AsyncPgConnection,
    product: ProductId,
    delta: RatingDelta,
) -> Result<(), DbError> {
    if delta.is_zero() {
        return Ok(());
    }
    let [d1, d2, d3, d4, d5] = delta.0.map(|d| i32::try_from(d).unwrap_or(0));
    diesel::sql_query(
        "UPDATE products SET rating_counts = ARRAY[\
             rating_counts[1] + $2, rating_counts[2] + $3, rating_counts[3] + $4, \
             rating_counts[4] + $5, rating_counts[5] + $6] \
         WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(*product.as_uuid())
    .bind::<diesel::sql_types::Integer, _>(d1)
    .bind::<diesel::sql_types::Integer, _>(d2)
    .bind::<diesel::sql_types::Integer, _>(d3)
    .bind::<diesel::sql_types::Integer, _>(d4)
    .bind::<diesel::sql_types::Integer, _>(d5)
    .execute(tx)
    .await?;
    notify_catalog_changed(tx).await
}

/// Adds `delta` to the product's counts when the review's write took effect; whether it did.
async fn counted(
    tx: &mut AsyncPgConnection,
    written: bool,
    product: ProductId,
    delta: RatingDelta,
) -> Result<bool, DbError> {
    if written {
        add_ratings(tx, product, delta).await?;
    }
    Ok(written)
}

#[derive(Clone)]
pub struct PgReviews {
    pool: PgPool,
}

impl PgReviews {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn filtered(f: &ReviewFilter) -> reviews::BoxedQuery<'static, Pg> {
    let mut q = reviews::table.into_boxed();
    if let Some(p) = f.product_id {
        q = q.filter(reviews::product_id.eq(*p.as_uuid()));
    }
    if let Some(u) = f.user_id {
        q = q.filter(reviews::user_id.eq(*u.as_uuid()));
    }
    if let Some(s) = f.status {
        q = q.filter(reviews::status.eq(s.as_str()));
    }
    if let Some(r) = f.rating {
        q = q.filter(reviews::rating.eq(i16::from(r)));
    }
    if let Some(v) = f.verified {
        q = q.filter(reviews::verified_purchase.eq(v));
    }
    q
}

#[async_trait]
impl ReviewStore for PgReviews {
    async fn insert(&self, review: &Review, delta: RatingDelta) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = row_of(review);
        let product = review.product_id;
        c.transaction::<_, DbError, _>(async move |tx| {
            let n = diesel::insert_into(reviews::table)
                .values(&row)
                .on_conflict((reviews::product_id, reviews::user_id))
                .do_nothing()
                .execute(tx)
                .await?;
            counted(tx, n == 1, product, delta).await
        })
        .await
        .map_err(store_error)
    }

    async fn find(&self, id: ReviewId) -> Result<Option<Review>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row: Option<ReviewRow> = reviews::table
            .find(*id.as_uuid())
            .select(ReviewRow::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        row.map(Review::try_from).transpose().map_err(store_error)
    }

    async fn update(&self, review: &Review, delta: RatingDelta) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = row_of(review);
        let product = review.product_id;
        c.transaction::<_, DbError, _>(async move |tx| {
            let n = diesel::update(
                reviews::table
                    .find(row.id)
                    .filter(reviews::version.eq(row.version - 1)),
            )
            .set(&row)
            .execute(tx)
            .await?;
            counted(tx, n == 1, product, delta).await
        })
        .await
        .map_err(store_error)
    }

    async fn delete(
        &self,
        id: ReviewId,
        version: i64,
        delta: RatingDelta,
    ) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let product: Option<uuid::Uuid> = diesel::delete(
                reviews::table
                    .find(*id.as_uuid())
                    .filter(reviews::version.eq(version)),
            )
            .returning(reviews::product_id)
            .get_result(tx)
            .await
            .optional()?;
            match product {
                Some(p) => counted(tx, true, ProductId::from_uuid(p), delta).await,
                None => Ok(false),
            }
        })
        .await
        .map_err(store_error)
    }

    async fn list(
        &self,
        filter: &ReviewFilter,
        page: PageRequest,
    ) -> Result<Page<Review>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let q = filtered(filter);
        let q = match filter.sort {
            ReviewSort::Newest => q.order((reviews::created_at.desc(), reviews::id.desc())),
            ReviewSort::Oldest => q.order((reviews::created_at.asc(), reviews::id.asc())),
            ReviewSort::RatingDesc => q.order((
                reviews::rating.desc(),
                reviews::created_at.desc(),
                reviews::id.desc(),
            )),
            ReviewSort::RatingAsc => q.order((
                reviews::rating.asc(),
                reviews::created_at.desc(),
                reviews::id.desc(),
            )),
        };
        let rows: Vec<ReviewRow> = q
            .limit(i64::from(page.page_size()))
            .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .select(ReviewRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        let total: i64 = filtered(filter)
            .count()
            .get_result(&mut c)
            .await
            .map_err(store_error)?;
        let items = rows
            .into_iter()
            .map(Review::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(store_error)?;
        Ok(Page::new(items, u64::try_from(total).unwrap_or(0), page))
    }
}
