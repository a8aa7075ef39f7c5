use std::sync::Arc;

use merx_inventory::{InventoryError, StockChange, StockRepository};
use merx_kernel::audit::{AuditEntry, Author};
use merx_kernel::{
    Clock, Currency, Page, ProductId, ValidationErrors, VariantId, has_control_chars,
};

use crate::audited::changes;
use crate::input::{Checker, LONG, SHORT, check_distinct_skus};
use crate::{
    Audience, CatalogError, Product, ProductInput, ProductPatch, ProductQuery, ProductRepository,
    ProductStatus, StockedProduct, VariantInput, VariantPatch, VariantStock, slugify,
};

/// What removing a product did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Deleted,
    /// Orders or carts reference it: archived instead, so they keep pointing at it.
    Archived,
}

/// The catalog's use cases. Every read answers products with their variants' stock, so the
/// stock flags a storefront shows and the `in_stock` filter follow one rule.
#[derive(Clone)]
pub struct CatalogService {
    products: Arc<dyn ProductRepository>,
    stock: Arc<dyn StockRepository>,
    clock: Arc<dyn Clock>,
    default_currency: Currency,
}

impl CatalogService {
    #[must_use]
    pub fn new(
        products: Arc<dyn ProductRepository>,
        stock: Arc<dyn StockRepository>,
        clock: Arc<dyn Clock>,
        default_currency: Currency,
    ) -> Self {
        Self {
            products,
            stock,
            clock,
            default_currency,
        }
    }

    /// The products with their variants' levels, read in one batch.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn with_stock(
        &self,
        products: Vec<Product>,
    ) -> Result<Vec<StockedProduct>, CatalogError> {
        let ids: Vec<VariantId> = products
            .iter()
            .flat_map(|p| p.variants.iter().map(|v| v.id))
            .collect();
        let mut levels = self.stock.levels(&ids, self.clock.now()).await?;
        Ok(products
            .into_iter()
            .map(|product| {
                let (mine, rest) = levels
                    .drain(..)
                    .partition(|l| product.variant(l.variant_id).is_some());
                levels = rest;
                StockedProduct {
                    product,
                    levels: mine,
                }
            })
            .collect())
    }

    async fn stocked(&self, product: Product) -> Result<StockedProduct, CatalogError> {
        self.with_stock(vec![product])
            .await?
            .pop()
            .ok_or(CatalogError::ProductNotFound)
    }

    /// Creates a product (a simple one when no variants are given).
    ///
    /// # Errors
    /// `Validation`; `SlugTaken` for a client-chosen slug in use; `SkuTaken`.
    pub async fn create(
        &self,
        input: ProductInput,
        by: &Author,
    ) -> Result<StockedProduct, CatalogError> {
        let mut c = Checker::new();
        let name = c.required("name", &input.name, SHORT);
        let chosen_slug = c.slug("slug", input.slug);
        let currency = input.currency.unwrap_or(self.default_currency);
        let variant_inputs = if input.variants.is_empty() {
            match (input.price, input.sku) {
                (Some(price), Some(sku)) => vec![VariantInput {
                    sku,
                    price,
                    compare_at_price: input.compare_at_price,
                    inventory_count: input.inventory_count,
                    ..VariantInput::default()
                }],
                _ => {
                    c.errors.add(
                        "variants",
                        "give at least one variant, or price and sku for a simple product",
                    );
                    Vec::new()
                }
            }
        } else {
            input.variants
        };
        let (variants, stock): (Vec<_>, Vec<_>) = variant_inputs
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let position = i32::try_from(i).unwrap_or(i32::MAX);
                let (variant, stock) =
                    v.build(&mut c, &format!("variants[{i}]"), currency, position);
                let id = variant.id;
                (variant, (id, stock))
            })
            .unzip();
        check_distinct_skus(&mut c, &variants);
        c.attributes(&input.attributes);
        let now = self.clock.now();
        let mut product = Product {
            id: ProductId::new(),
            slug: String::new(),
            description: c.optional("description", input.description, LONG),
            short_description: c.optional("short_description", input.short_description, LONG),
            category: c
                .optional("category", input.category, SHORT)
                .map(|s| s.to_lowercase()),
            tags: c.tags(input.tags),
            images: c.images(input.images),
            status: input.status.unwrap_or(ProductStatus::Draft),
            is_featured: input.is_featured,
            currency,
            attributes: input.attributes,
            seo_title: c.optional("seo_title", input.seo_title, SHORT),
            seo_description: c.optional("seo_description", input.seo_description, LONG),
            variants,
            reviews: crate::RatingSummary::default(),
            created_at: now,
            updated_at: now,
            name,
        };
        c.finish()?;
        product.slug = match &chosen_slug {
            Some(slug) if self.products.slug_taken(slug, None).await? => {
                return Err(CatalogError::SlugTaken(slug.clone()));
            }
            Some(slug) => slug.clone(),
            None => self.free_slug(&slugify(&product.name), None).await?,
        };
        let created = |p: &Product| {
            let mut after = p.audited();
            after["variants"] = p.variants.iter().map(crate::Variant::audited).collect();
            by.entry(
                "product.create",
                p.audit_target(),
                changes(None, Some(after)),
                now,
            )
        };
        match self
            .products
            .insert(&product, &stock, created(&product))
            .await
        {
            // Another product took the derived slug in the meantime: derive again, once.
            Err(CatalogError::SlugTaken(_)) if chosen_slug.is_none() => {
                product.slug = self.free_slug(&slugify(&product.name), None).await?;
                self.products
                    .insert(&product, &stock, created(&product))
                    .await?;
            }
            other => other?,
        }
        self.stocked(product).await
    }

    /// Applies a partial change. The slug stays when the name changes (links keep working).
    ///
    /// # Errors
    /// `ProductNotFound`, `Validation`, `SlugTaken`.
    pub async fn update(
        &self,
        id: ProductId,
        patch: ProductPatch,
        by: &Author,
    ) -> Result<StockedProduct, CatalogError> {
        let mut p = self.load(id).await?;
        let before = p.audited();
        let mut c = Checker::new();
        if let Some(name) = patch.name {
            p.name = c.required("name", &name, SHORT);
        }
        let slug = c.slug("slug", patch.slug);
        macro_rules! optional {
            ($($field:ident: $max:expr),*) => {$(
                if let Some(v) = patch.$field {
                    p.$field = c.optional(stringify!($field), v, $max);
                }
            )*};
        }
        optional!(description: LONG, short_description: LONG, seo_title: SHORT, seo_description: LONG);
        if let Some(v) = patch.category {
            p.category = c.optional("category", v, SHORT).map(|s| s.to_lowercase());
        }
        if let Some(tags) = patch.tags {
            p.tags = c.tags(tags);
        }
        if let Some(images) = patch.images {
            p.images = c.images(images);
        }
        if let Some(attributes) = patch.attributes {
            c.attributes(&attributes);
            p.attributes = attributes;
        }
        if let Some(status) = patch.status {
            p.status = status;
        }
        if let Some(featured) = patch.is_featured {
            p.is_featured = featured;
        }
        c.finish()?;
        if let Some(slug) = slug.filter(|s| *s != p.slug) {
            if self.products.slug_taken(&slug, Some(id)).await? {
                return Err(CatalogError::SlugTaken(slug));
            }
            p.slug = slug;
        }
        let entry = self.entry(
            by,
            "product.update",
            p.audit_target(),
            Some(before),
            Some(p.audited()),
        );
        let p = self.save(p, entry).await?;
        self.stocked(p).await
    }

    /// Erases a product, or archives it when orders or carts reference it.
    ///
    /// # Errors
    /// `ProductNotFound`.
    pub async fn remove(&self, id: ProductId, by: &Author) -> Result<Removal, CatalogError> {
        let mut p = self.load(id).await?;
        let before = p.audited();
        if self.products.is_referenced(id).await? {
            p.status = ProductStatus::Archived;
            let entry = self.entry(
                by,
                "product.archive",
                p.audit_target(),
                Some(before),
                Some(p.audited()),
            );
            self.save(p, entry).await?;
            return Ok(Removal::Archived);
        }
        let entry = self.entry(by, "product.delete", p.audit_target(), Some(before), None);
        if self.products.delete(id, entry).await? {
            Ok(Removal::Deleted)
        } else {
            Err(CatalogError::ProductNotFound)
        }
    }

    /// # Errors
    /// `ProductNotFound`, also for a product the audience may not see.
    pub async fn get(
        &self,
        id: ProductId,
        audience: Audience,
    ) -> Result<StockedProduct, CatalogError> {
        let p = Self::visible(self.products.find(id).await?, audience)?;
        self.stocked(p).await
    }

    /// # Errors
    /// `ProductNotFound`, also for a product the audience may not see.
    pub async fn get_by_slug(
        &self,
        slug: &str,
        audience: Audience,
    ) -> Result<StockedProduct, CatalogError> {
        let found = self
            .products
            .find_stocked_by_slug(slug, self.clock.now())
            .await?;
        let Some(StockedProduct { product, levels }) = found else {
            return Err(CatalogError::ProductNotFound);
        };
        let product = Self::visible(Some(product), audience)?;
        Ok(StockedProduct { product, levels })
    }

    /// A page of products. Category, tag and text are matched trimmed and case-insensitively;
    /// only admins may choose statuses (the public sees active products).
    ///
    /// # Errors
    /// `Validation` for a price range upside down, an over-long search, control characters in
    /// text, or a status filter from someone not an admin.
    pub async fn list(
        &self,
        mut query: ProductQuery,
        audience: Audience,
    ) -> Result<Page<StockedProduct>, CatalogError> {
        let mut errors = ValidationErrors::new();
        if audience == Audience::Public && !query.statuses.is_empty() {
            errors.add("status", "only admins may filter by status");
        }
        let lowered =
            |v: Option<String>| v.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
        query.category = lowered(query.category);
        query.tag = lowered(query.tag);
        if let (Some(min), Some(max)) = (query.min_price, query.max_price)
            && min > max
        {
            errors.add("min_price", "must not exceed max_price");
        }
        for (field, value) in [
            ("min_price", query.min_price),
            ("max_price", query.max_price),
        ] {
            if value.is_some_and(|v| v < 0) {
                errors.add(field, "must not be negative");
            }
        }
        query.search = query
            .search
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        // No stored text holds control characters (Postgres cannot hold a NUL at all).
        for (field, value) in [
            ("category", &query.category),
            ("tag", &query.tag),
            ("search", &query.search),
        ] {
            if value.as_deref().is_some_and(has_control_chars) {
                errors.add(field, "must not contain control characters");
            }
        }
        if query
            .search
            .as_ref()
            .is_some_and(|s| s.chars().count() > 200)
        {
            errors.add("search", "must be at most 200 characters");
        }
        errors.into_result()?;
        query.statuses = match audience {
            Audience::Public => vec![ProductStatus::Active],
            Audience::Admin if query.statuses.is_empty() => {
                vec![
                    ProductStatus::Draft,
                    ProductStatus::Active,
                    ProductStatus::Archived,
                ]
            }
            Audience::Admin => query.statuses,
        };
        query.now = self.clock.now();
        let mut page = self.products.list(&query).await?;
        let items = self.with_stock(std::mem::take(&mut page.items)).await?;
        Ok(page.with_items(items))
    }

    /// A variant's stock, when the product (visible to the audience) has the variant.
    ///
    /// # Errors
    /// `ProductNotFound`, `VariantNotFound`.
    pub async fn variant_stock(
        &self,
        id: ProductId,
        variant: VariantId,
        audience: Audience,
    ) -> Result<VariantStock, CatalogError> {
        let p = Self::visible(self.products.find(id).await?, audience)?;
        let sku = p
            .variant(variant)
            .map(|v| v.sku.clone())
            .ok_or(CatalogError::VariantNotFound)?;
        let level = self
            .stock
            .levels(&[variant], self.clock.now())
            .await?
            .pop()
            .ok_or(CatalogError::VariantNotFound)?;
        Ok(VariantStock {
            product_id: id,
            sku,
            level,
        })
    }

    /// An admin's stock change of one of the product's variants, recorded with who did it
    /// and why; answers the variant's stock after it.
    ///
    /// # Errors
    /// `ProductNotFound`, `VariantNotFound`; the inventory's `Validation` (reason) and
    /// `NegativeStock`.
    pub async fn adjust_stock(
        &self,
        id: ProductId,
        variant: VariantId,
        change: StockChange,
        reason: &str,
        by: &Author,
    ) -> Result<VariantStock, CatalogError> {
        self.variant_stock(id, variant, Audience::Admin).await?;
        merx_inventory::InventoryService::new(self.stock.clone(), self.clock.clone())
            .adjust(variant, change, reason, by)
            .await
            .map_err(|e| match e {
                InventoryError::NotFound => CatalogError::VariantNotFound,
                InventoryError::Validation(v) => CatalogError::Validation(v),
                InventoryError::Store(s) => CatalogError::Store(s),
                other => CatalogError::Stock(other),
            })?;
        self.variant_stock(id, variant, Audience::Admin).await
    }

    /// Adds a variant (with its initial stock) to a product.
    ///
    /// # Errors
    /// `ProductNotFound`, `Validation`, `SkuTaken`.
    pub async fn add_variant(
        &self,
        id: ProductId,
        input: VariantInput,
        by: &Author,
    ) -> Result<(StockedProduct, VariantId), CatalogError> {
        let mut p = self.load(id).await?;
        let mut c = Checker::new();
        let position = p
            .variants
            .iter()
            .map(|v| v.position)
            .max()
            .map_or(0, |m| m.saturating_add(1));
        let (variant, stock) = input.build(&mut c, "variant", p.currency, position);
        let vid = variant.id;
        let entry = self.entry(
            by,
            "variant.create",
            variant.audit_target(),
            None,
            Some(variant.audited()),
        );
        p.variants.push(variant);
        check_distinct_skus(&mut c, &p.variants);
        c.finish()?;
        p.updated_at = self.clock.now();
        if !self.products.update(&p, &[(vid, stock)], entry).await? {
            return Err(CatalogError::ProductNotFound);
        }
        Ok((self.stocked(p).await?, vid))
    }

    /// # Errors
    /// `ProductNotFound`, `VariantNotFound`, `Validation`, `SkuTaken`.
    pub async fn update_variant(
        &self,
        id: ProductId,
        vid: VariantId,
        patch: VariantPatch,
        by: &Author,
    ) -> Result<StockedProduct, CatalogError> {
        let mut p = self.load(id).await?;
        let currency = p.currency;
        let mut c = Checker::new();
        let variant = p
            .variants
            .iter_mut()
            .find(|v| v.id == vid)
            .ok_or(CatalogError::VariantNotFound)?;
        let before = variant.audited();
        patch.apply(&mut c, variant, currency);
        let entry = self.entry(
            by,
            "variant.update",
            variant.audit_target(),
            Some(before),
            Some(variant.audited()),
        );
        check_distinct_skus(&mut c, &p.variants);
        c.finish()?;
        let p = self.save(p, entry).await?;
        self.stocked(p).await
    }

    /// # Errors
    /// `ProductNotFound`, `VariantNotFound`, `LastVariant`.
    pub async fn remove_variant(
        &self,
        id: ProductId,
        vid: VariantId,
        by: &Author,
    ) -> Result<Product, CatalogError> {
        let mut p = self.load(id).await?;
        let Some(variant) = p.variant(vid) else {
            return Err(CatalogError::VariantNotFound);
        };
        if p.variants.len() == 1 {
            return Err(CatalogError::LastVariant);
        }
        let entry = self.entry(
            by,
            "variant.delete",
            variant.audit_target(),
            Some(variant.audited()),
            None,
        );
        p.variants.retain(|v| v.id != vid);
        self.save(p, entry).await
    }

    /// The entry of `by`'s write, unless it changed nothing.
    fn entry(
        &self,
        by: &Author,
        action: &str,
        target: merx_kernel::audit::Target,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Option<AuditEntry> {
        by.entry(action, target, changes(before, after), self.clock.now())
    }

    async fn save(
        &self,
        mut p: Product,
        audit: Option<AuditEntry>,
    ) -> Result<Product, CatalogError> {
        p.updated_at = self.clock.now();
        if self.products.update(&p, &[], audit).await? {
            Ok(p)
        } else {
            Err(CatalogError::ProductNotFound)
        }
    }

    async fn load(&self, id: ProductId) -> Result<Product, CatalogError> {
        self.products
            .find(id)
            .await?
            .ok_or(CatalogError::ProductNotFound)
    }

    fn visible(found: Option<Product>, audience: Audience) -> Result<Product, CatalogError> {
        match found {
            Some(p) if audience == Audience::Admin || p.is_for_sale() => Ok(p),
            _ => Err(CatalogError::ProductNotFound),
        }
    }

    /// `base`, or `base-2`, `base-3`... whichever is free.
    async fn free_slug(
        &self,
        base: &str,
        except: Option<ProductId>,
    ) -> Result<String, CatalogError> {
        if !self.products.slug_taken(base, except).await? {
            return Ok(base.to_owned());
        }
        for n in 2..=20 {
            let candidate = format!("{base}-{n}");
            if !self.products.slug_taken(&candidate, except).await? {
                return Ok(candidate);
            }
        }
        // A very common name: a short random suffix instead of counting on.
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        Ok(format!("{base}-{}", &suffix[..8]))
    }
}
