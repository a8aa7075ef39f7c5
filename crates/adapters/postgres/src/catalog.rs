//! Products and their variants in Postgres (the rows are in `product_rows`, list queries in
//! `product_search`, stock in `stock` and `stock_moves`).

use async_trait::async_trait;
use diesel::dsl::{exists, not};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DbError};
use diesel_async::{AsyncConnection, RunQueryDsl};
use merx_catalog::{
    CatalogError, InitialStock, Product, ProductQuery, ProductRepository, StockedProduct,
};
use merx_kernel::{AuditEntry, Page, ProductId, StoreError, Timestamp, VariantId};

use crate::audit_log::record;
use crate::catalog_changes::notify_catalog_changed;
use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::product_rows::{
    VariantRow, product_row, products_with_variants, stocked_product, variant_row, with_variants,
};
use crate::product_search::Total;
use crate::schema::{cart_items, products, variants};
use crate::stock_moves::{insert_stock, recount_sellable};

pub struct PgCatalog {
    pool: PgPool,
}

impl PgCatalog {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    async fn find_where(
        &self,
        query: products::BoxedQuery<'static, Pg>,
    ) -> Result<Option<Product>, StoreError> {
        let mut c = conn(&self.pool).await?;
        Ok(products_with_variants(&mut c, query.limit(1)).await?.pop())
    }
}

/// Slug and SKU clashes as the domain names them; anything else is a store failure.
fn catalog_error(e: DbError, product: &Product) -> CatalogError {
    if let DbError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &e {
        match info.constraint_name() {
            Some("products_slug_key") => return CatalogError::SlugTaken(product.slug.clone()),
            Some("variants_sku_key") => {
                // "Key (sku)=(ABC-1) already exists."
                let sku = info
                    .details()
                    .and_then(|d| {
                        d.split_once(")=(")
                            .map(|(_, rest)| rest.trim_end_matches(") already exists.").to_owned())
                    })
                    .unwrap_or_default();
                return CatalogError::SkuTaken(sku);
            }
            _ => {}
        }
    }
    CatalogError::Store(store_error(e))
}

#[async_trait]
impl ProductRepository for PgCatalog {
    async fn insert(
        &self,
        product: &Product,
        stock: &[(VariantId, InitialStock)],
        audit: Option<AuditEntry>,
    ) -> Result<(), CatalogError> {
        let mut c = conn(&self.pool).await?;
        let row = product_row(product);
        let vrows: Vec<VariantRow> = product
            .variants
            .iter()
            .map(|v| variant_row(product.id, v))
            .collect();
        let at = product.updated_at;
        c.transaction::<_, DbError, _>(async move |tx| {
            diesel::insert_into(products::table)
                .values(&row)
                .execute(tx)
                .await?;
            diesel::insert_into(variants::table)
                .values(&vrows)
                .execute(tx)
                .await?;
            insert_stock(tx, stock, at).await?;
            recount_sellable(tx, row.id).await?;
            record(tx, audit).await?;
            notify_catalog_changed(tx).await
        })
        .await
        .map_err(|e| catalog_error(e, product))
    }

    async fn update(
        &self,
        product: &Product,
        new_stock: &[(VariantId, InitialStock)],
        audit: Option<AuditEntry>,
    ) -> Result<bool, CatalogError> {
        let mut c = conn(&self.pool).await?;
        let row = product_row(product);
        let vrows: Vec<VariantRow> = product
            .variants
            .iter()
            .map(|v| variant_row(product.id, v))
            .collect();
        let keep: Vec<uuid::Uuid> = vrows.iter().map(|v| v.id).collect();
        let at = product.updated_at;
        c.transaction::<_, DbError, _>(async move |tx| {
            let n = diesel::update(products::table.find(row.id))
                .set(&row)
                .execute(tx)
                .await?;
            if n == 0 {
                return Ok(false);
            }
            diesel::delete(
                variants::table
                    .filter(variants::product_id.eq(row.id))
                    .filter(not(variants::id.eq_any(&keep))),
            )
            .execute(tx)
            .await?;
            for v in &vrows {
                diesel::insert_into(variants::table)
                    .values(v)
                    .on_conflict(variants::id)
                    .do_update()
                    .set(v)
                    .execute(tx)
                    .await?;
            }
            insert_stock(tx, new_stock, at).await?;
            recount_sellable(tx, row.id).await?;
            record(tx, audit).await?;
            notify_catalog_changed(tx).await?;
            Ok(true)
        })
        .await
        .map_err(|e| catalog_error(e, product))
    }

    async fn find(&self, id: ProductId) -> Result<Option<Product>, StoreError> {
        self.find_where(
            products::table
                .filter(products::id.eq(*id.as_uuid()))
                .into_boxed(),
        )
        .await
    }

    async fn find_stocked_by_slug(
        &self,
        slug: &str,
        now: Timestamp,
    ) -> Result<Option<StockedProduct>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let query = products::table
            .filter(products::slug.eq(slug.to_owned()))
            .into_boxed();
        stocked_product(&mut c, query, now).await
    }

    async fn find_many(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<uuid::Uuid> = ids.iter().map(|id| *id.as_uuid()).collect();
        let mut c = conn(&self.pool).await?;
        products_with_variants(
            &mut c,
            products::table
                .filter(products::id.eq_any(ids))
                .into_boxed(),
        )
        .await
    }

    async fn find_by_slug(&self, slug: &str) -> Result<Option<Product>, StoreError> {
        self.find_where(
            products::table
                .filter(products::slug.eq(slug.to_owned()))
                .into_boxed(),
        )
        .await
    }

    async fn find_by_variant(&self, variant: VariantId) -> Result<Option<Product>, StoreError> {
        self.find_where(
            products::table
                .filter(
                    products::id.eq_any(
                        variants::table
                            .filter(variants::id.eq(*variant.as_uuid()))
                            .select(variants::product_id),
                    ),
                )
                .into_boxed(),
        )
        .await
    }

    async fn slug_taken(&self, slug: &str, except: Option<ProductId>) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let mut q = products::table
            .filter(products::slug.eq(slug.to_owned()))
            .into_boxed();
        if let Some(id) = except {
            q = q.filter(products::id.ne(*id.as_uuid()));
        }
        diesel::select(exists(q))
            .get_result(&mut c)
            .await
            .map_err(store_error)
    }

    async fn list(&self, query: &ProductQuery) -> Result<Page<Product>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let (rows, total) = crate::product_search::page(&mut c, query)
            .await
            .map_err(store_error)?;
        let items = with_variants(&mut c, rows).await?;
        Ok(match total {
            Total::Exact(n) => Page::new(items, n, query.page),
            Total::Estimate(n) => Page::estimated(items, n, query.page),
        })
    }

    async fn is_referenced(&self, id: ProductId) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let in_cart: bool = diesel::select(exists(
            cart_items::table.filter(cart_items::product_id.eq(*id.as_uuid())),
        ))
        .get_result(&mut c)
        .await
        .map_err(store_error)?;
        if in_cart {
            return Ok(true);
        }
        // Order lines are a JSONB snapshot; the GIN index answers containment.
        let probe = serde_json::json!([{ "product_id": id }]);
        let in_order: bool = diesel::select(exists(
            crate::schema::orders::table.filter(crate::schema::orders::items.contains(probe)),
        ))
        .get_result(&mut c)
        .await
        .map_err(store_error)?;
        if in_order {
            return Ok(true);
        }
        // Reviews keep their product: a reviewed product is archived, its reviews kept.
        diesel::select(exists(
            crate::schema::reviews::table
                .filter(crate::schema::reviews::product_id.eq(*id.as_uuid())),
        ))
        .get_result(&mut c)
        .await
        .map_err(store_error)
    }

    async fn delete(&self, id: ProductId, audit: Option<AuditEntry>) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let n = diesel::delete(products::table.find(*id.as_uuid()))
                .execute(tx)
                .await?;
            if n == 1 {
                record(tx, audit).await?;
            }
            notify_catalog_changed(tx).await?;
            Ok(n == 1)
        })
        .await
        .map_err(store_error)
    }
}
