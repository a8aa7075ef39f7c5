use std::collections::BTreeSet;
use std::sync::Arc;

use merx_catalog::{Audience, CatalogService, ProductQuery, StockedProduct};
use merx_inventory::StockChange;
use merx_kernel::audit::Author;
use merx_kernel::{Clock, ProductId, Timestamp, VariantId};
use merx_orders::{OrderId, OrderRepository};
use sha2::{Digest, Sha256};

use crate::{
    Listing, OrderListing, ProductLink, ProductSave, RemoteError, RemoteOrder, RemoteProduct,
    Storefront, StorefrontEvent, SyncError, SyncLinks, SyncOptions, WebhookError, WebhookReceipt,
};

/// The most objects one storefront batch request may carry (WooCommerce answers 413 past it).
pub const BATCH_LIMIT: usize = 100;

/// The reason our stock changes carry when the storefront set them.
pub const SYNC_REASON: &str = "woocommerce_sync";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedProduct {
    pub product_id: ProductId,
    pub remote_id: i64,
    pub synced_fields: Vec<&'static str>,
    pub synced_at: Timestamp,
}

/// What a bulk sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchSummary {
    pub synced: u32,
    pub failed: Vec<(ProductId, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncDirection {
    ToStorefront,
    FromStorefront,
    Both,
}

impl SyncDirection {
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "to_woocommerce" => Some(Self::ToStorefront),
            "from_woocommerce" => Some(Self::FromStorefront),
            "bidirectional" => Some(Self::Both),
            _ => None,
        }
    }

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ToStorefront => "to_woocommerce",
            Self::FromStorefront => "from_woocommerce",
            Self::Both => "bidirectional",
        }
    }
}

/// What an inventory sync left: what we can sell and what the storefront shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventorySync {
    pub platform_quantity: i64,
    pub storefront_quantity: Option<i64>,
    pub synced_at: Timestamp,
}

/// The storefront use cases. Without a configured storefront every one answers
/// [`SyncError::NotConfigured`].
pub struct SyncService {
    storefront: Option<Arc<dyn Storefront>>,
    links: Arc<dyn SyncLinks>,
    catalog: CatalogService,
    orders: Arc<dyn OrderRepository>,
    clock: Arc<dyn Clock>,
}

impl SyncService {
    #[must_use]
    pub fn new(
        storefront: Option<Arc<dyn Storefront>>,
        links: Arc<dyn SyncLinks>,
        catalog: CatalogService,
        orders: Arc<dyn OrderRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            storefront,
            links,
            catalog,
            orders,
            clock,
        }
    }

    #[must_use]
    pub fn is_configured(&self) -> bool {
        self.storefront.is_some()
    }

    fn storefront(&self) -> Result<&dyn Storefront, SyncError> {
        self.storefront.as_deref().ok_or(SyncError::NotConfigured)
    }

    /// Lists one product at the storefront: updated when linked, else the product holding its
    /// SKU there is adopted as it is (spec §15: its id stored, updated in place whatever its
    /// type, see [`crate::ListingType::over`]), else created; the link is stored. Syncing
    /// again never makes a second product.
    ///
    /// # Errors
    /// `NotConfigured`, `ProductNotFound`, the storefront's `Remote` failure.
    pub async fn sync_product(
        &self,
        id: ProductId,
        options: SyncOptions,
    ) -> Result<SyncedProduct, SyncError> {
        let shop = self.storefront()?;
        let stocked = self.catalog.get(id, Audience::Admin).await?;
        let updated = match self.links.product(id).await? {
            Some(link) => {
                let listing = Listing::of(&stocked, options, Some(link.listing_type()));
                match shop
                    .save_product(Some(link.remote_id), &listing, &link.variations)
                    .await
                {
                    Ok(saved) => Some((saved, listing)),
                    // Deleted at the storefront since: listed anew.
                    Err(RemoteError::NotFound) => None,
                    Err(e) => return Err(e.into()),
                }
            }
            None => None,
        };
        let (saved, listing) = match updated {
            Some(done) => done,
            None => self.list_unlinked(shop, &stocked, options).await?,
        };
        let now = self.clock.now();
        self.links
            .save_product(&ProductLink {
                product_id: id,
                remote_id: saved.id,
                variations: matched(&listing, &saved),
                variants: listing.variant_ids(),
                synced_at: now,
            })
            .await?;
        Ok(SyncedProduct {
            product_id: id,
            remote_id: saved.id,
            synced_fields: options.synced_fields(),
            synced_at: now,
        })
    }

    /// Lists a product without a link: the storefront's product holding its SKU (found by it,
    /// or named by a refused create) is adopted and updated in place; otherwise one is
    /// created. Answers what was saved and the listing written.
    async fn list_unlinked(
        &self,
        shop: &dyn Storefront,
        stocked: &StockedProduct,
        options: SyncOptions,
    ) -> Result<(RemoteProduct, Listing), SyncError> {
        let ours = Listing::of(stocked, options, None);
        let found = match shop.product_by_sku(&ours.sku).await? {
            Some(found) => found,
            None => match shop.save_product(None, &ours, &[]).await {
                Ok(created) => return Ok((created, ours)),
                Err(RemoteError::DuplicateSku { existing }) => shop
                    .product(existing)
                    .await?
                    .ok_or_else(|| not_a_product(&ours.sku, existing))?,
                Err(e) => return Err(e.into()),
            },
        };
        let (listing, variations) = adopted(stocked, options, &found);
        let saved = shop
            .save_product(Some(found.id), &listing, &variations)
            .await?;
        Ok((saved, listing))
    }

    /// Lists many products in batch requests of at most [`BATCH_LIMIT`]; an item the
    /// storefront refuses is reported and the others go on. `progress` hears how many are
    /// done after each batch.
    ///
    /// # Errors
    /// `NotConfigured`; a batch request that failed as a whole (earlier batches stay synced).
    pub async fn sync_many(
        &self,
        ids: &[ProductId],
        options: SyncOptions,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<BatchSummary, SyncError> {
        self.storefront()?;
        let mut summary = BatchSummary::default();
        let mut done = 0;
        for chunk in ids.chunks(BATCH_LIMIT) {
            self.sync_batch(chunk, options, &mut summary).await?;
            done += chunk.len();
            progress(done);
        }
        Ok(summary)
    }

    async fn sync_batch(
        &self,
        ids: &[ProductId],
        options: SyncOptions,
        summary: &mut BatchSummary,
    ) -> Result<(), SyncError> {
        let shop = self.storefront()?;
        let mut items = Vec::with_capacity(ids.len());
        let mut products = Vec::with_capacity(ids.len());
        for &id in ids {
            match self.catalog.get(id, Audience::Admin).await {
                Ok(stocked) => {
                    let link = self.links.product(id).await?;
                    let there = link.as_ref().map(ProductLink::listing_type);
                    items.push(ProductSave {
                        remote_id: link.as_ref().map(|l| l.remote_id),
                        listing: Listing::of(&stocked, options, there),
                        variations: link.map(|l| l.variations).unwrap_or_default(),
                    });
                    products.push(stocked);
                }
                Err(e) => summary.failed.push((id, SyncError::from(e).to_string())),
            }
        }
        let mut answers = shop.save_products(&items).await?;
        // Items whose SKU the storefront already has: that product is adopted as it is, in
        // one more batch of updates.
        let mut again = Vec::new();
        for (at, answer) in answers.iter_mut().enumerate() {
            if let Err(RemoteError::DuplicateSku { existing }) = *answer {
                match shop.product(existing).await? {
                    Some(found) => {
                        let (listing, variations) = adopted(&products[at], options, &found);
                        items[at] = ProductSave {
                            remote_id: Some(found.id),
                            listing,
                            variations,
                        };
                        again.push(at);
                    }
                    None => *answer = Err(not_a_product(&items[at].listing.sku, existing)),
                }
            }
        }
        if !again.is_empty() {
            let retried: Vec<_> = again.iter().map(|&at| items[at].clone()).collect();
            for (at, answer) in again.into_iter().zip(shop.save_products(&retried).await?) {
                answers[at] = answer;
            }
        }
        let now = self.clock.now();
        for (ProductSave { listing, .. }, answer) in items.iter().zip(answers) {
            match answer {
                Ok(saved) => {
                    self.links
                        .save_product(&ProductLink {
                            product_id: listing.product_id,
                            remote_id: saved.id,
                            variations: matched(listing, &saved),
                            variants: listing.variant_ids(),
                            synced_at: now,
                        })
                        .await?;
                    summary.synced += 1;
                }
                Err(e) => summary.failed.push((listing.product_id, e.to_string())),
            }
        }
        Ok(())
    }

    /// Every product of the catalog, any status, oldest first.
    ///
    /// # Errors
    /// `Store` on storage failure.
    pub async fn all_product_ids(&self) -> Result<Vec<ProductId>, SyncError> {
        let all = merx_kernel::all_pages(|page| {
            self.catalog.list(
                ProductQuery {
                    statuses: vec![
                        merx_catalog::ProductStatus::Active,
                        merx_catalog::ProductStatus::Draft,
                        merx_catalog::ProductStatus::Archived,
                    ],
                    sort_order: merx_catalog::SortOrder::Asc,
                    page,
                    ..ProductQuery::default()
                },
                Audience::Admin,
            )
        })
        .await?;
        Ok(all.into_iter().map(|p| p.product.id).collect())
    }

    /// Brings one variant's stock in step (spec §13): with `quantity`, ours is set first
    /// (audited, reason `woocommerce_sync`); then pulled from the storefront, pushed to it, or
    /// both (pull, then push). The storefront shows what we can sell (on hand minus live
    /// holds); a pulled count is that, so our holds stay held.
    ///
    /// # Errors
    /// `NotConfigured`, `ProductNotFound`, `VariantNotFound`, `Stock` (a count below zero),
    /// the storefront's `Remote` failure.
    pub async fn sync_inventory(
        &self,
        product: ProductId,
        variant: VariantId,
        quantity: Option<i64>,
        direction: SyncDirection,
        by: &Author,
    ) -> Result<InventorySync, SyncError> {
        let shop = self.storefront()?;
        let mut stock = self
            .catalog
            .variant_stock(product, variant, Audience::Admin)
            .await?;
        if let Some(q) = quantity {
            stock = self
                .catalog
                .adjust_stock(product, variant, StockChange::Set(q), SYNC_REASON, by)
                .await?;
        }
        let link = self.linked(product).await?;
        let variation = link.variation_of(variant);
        let mut remote_quantity = None;
        if matches!(
            direction,
            SyncDirection::FromStorefront | SyncDirection::Both
        ) {
            let remote = shop
                .product(link.remote_id)
                .await?
                .ok_or(RemoteError::NotFound)?;
            remote_quantity = stock_at(&remote, variation);
            if let Some(q) = remote_quantity {
                stock = self
                    .set_sellable(product, variant, q, stock.level.reserved, by)
                    .await?;
            }
        }
        if matches!(direction, SyncDirection::ToStorefront | SyncDirection::Both) {
            let ours = stock.level.available();
            shop.set_stock(link.remote_id, variation, ours).await?;
            remote_quantity = Some(ours);
        }
        Ok(InventorySync {
            platform_quantity: stock.level.available(),
            storefront_quantity: remote_quantity,
            synced_at: self.clock.now(),
        })
    }

    /// The product's link, listing it at the storefront first when it has none.
    async fn linked(&self, product: ProductId) -> Result<ProductLink, SyncError> {
        if let Some(link) = self.links.product(product).await? {
            return Ok(link);
        }
        self.sync_product(product, SyncOptions::default()).await?;
        self.links
            .product(product)
            .await?
            .ok_or(SyncError::ProductNotFound)
    }

    /// Sets on hand so that what we can sell is `sellable` (our holds stay on top).
    async fn set_sellable(
        &self,
        product: ProductId,
        variant: VariantId,
        sellable: i64,
        reserved: i64,
        by: &Author,
    ) -> Result<merx_catalog::VariantStock, SyncError> {
        Ok(self
            .catalog
            .adjust_stock(
                product,
                variant,
                StockChange::Set(sellable.max(0) + reserved),
                SYNC_REASON,
                by,
            )
            .await?)
    }

    /// Sets the storefront's stock of a linked product to what we can sell now (the outbox
    /// receiver of [`merx_orders::outbound::WOOCOMMERCE_STOCK`]); an unlinked or deleted
    /// product has nothing to push.
    ///
    /// # Errors
    /// `NotConfigured`, the storefront's `Remote` failure, `Store`.
    pub async fn push_stock(&self, product: ProductId) -> Result<u32, SyncError> {
        let shop = self.storefront()?;
        let Some(link) = self.links.product(product).await? else {
            return Ok(0);
        };
        let stocked = match self.catalog.get(product, Audience::Admin).await {
            Ok(stocked) => stocked,
            Err(merx_catalog::CatalogError::ProductNotFound) => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        let mut pushed = 0;
        for level in stocked.levels.iter().filter(|l| l.settings.track_inventory) {
            let variation = link.variation_of(level.variant_id);
            if variation.is_none() && !link.variations.is_empty() {
                continue;
            }
            shop.set_stock(link.remote_id, variation, level.available())
                .await?;
            pushed += 1;
        }
        Ok(pushed)
    }

    /// Pushes an order to the storefront once (spec §13): the stored link answers a repeat;
    /// without one, the order is looked up there by our id before it is created (a push that
    /// crashed before its link was stored is found, not made twice). Its products are listed
    /// first when they are not linked yet.
    ///
    /// # Errors
    /// `NotConfigured`, `OrderNotFound`, the storefront's `Remote` failure.
    pub async fn push_order(&self, id: OrderId) -> Result<RemoteOrder, SyncError> {
        let shop = self.storefront()?;
        if let Some(pushed) = self.links.order(id).await? {
            return Ok(pushed);
        }
        let order = self
            .orders
            .find(id)
            .await?
            .ok_or(SyncError::OrderNotFound)?;
        let merx_id = order.id.to_string();
        if let Some(found) = shop
            .order_by_merx_id(&merx_id, &order.number.to_string())
            .await?
        {
            self.links.save_order(id, &found).await?;
            return Ok(found);
        }
        let products: BTreeSet<ProductId> = order.items.iter().map(|i| i.product_id).collect();
        let mut links = Vec::new();
        for product in products {
            links.push(self.linked(product).await?);
        }
        let listing = OrderListing::of(&order, |item| {
            links
                .iter()
                .find(|l| l.product_id == item.product_id)
                .map(|l| (l.remote_id, l.variation_of(item.variant_id)))
        })
        .ok_or(SyncError::ProductNotFound)?;
        let created = shop.create_order(&listing).await?;
        self.links.save_order(id, &created).await?;
        Ok(created)
    }

    /// Receives a storefront webhook (spec §13): the storefront verifies it over its raw
    /// bytes ([`Storefront::verify_webhook`]); a product update then sets our stock, once per
    /// body ([`Self::product_updated`]); the ping and other topics change nothing.
    ///
    /// # Errors
    /// [`WebhookError::Rejected`] when the delivery does not verify (nothing changes);
    /// [`WebhookError::Sync`] with `NotConfigured`, or the errors of [`Self::product_updated`].
    pub async fn receive_webhook(
        &self,
        signature: Option<&str>,
        topic: Option<&str>,
        body: &[u8],
    ) -> Result<WebhookReceipt, WebhookError> {
        let event = self
            .storefront()?
            .verify_webhook(signature, topic, body)
            .await?;
        match event {
            StorefrontEvent::ProductUpdated(product) => {
                let changed = self.product_updated(body, &product).await?;
                Ok(WebhookReceipt::ProductUpdated {
                    remote_id: product.id,
                    changed,
                })
            }
            StorefrontEvent::Ping | StorefrontEvent::Other(_) => Ok(WebhookReceipt::Acknowledged),
        }
    }

    /// The storefront's `product.updated` (spec §13): for a product we link, each variant
    /// whose stock differs there is set here (audited, reason `woocommerce_sync`), once per
    /// delivery body. `body` is the raw, verified body; `product` what it says. A variable
    /// product's variations are read back from the storefront (the body names them by id
    /// only). Answers how many variants changed.
    ///
    /// # Errors
    /// `NotConfigured`, the storefront's `Remote` failure, `Store`.
    pub async fn product_updated(
        &self,
        body: &[u8],
        product: &RemoteProduct,
    ) -> Result<u32, SyncError> {
        let shop = self.storefront()?;
        let digest = hex(&Sha256::digest(body));
        if self.links.delivery_seen(&digest).await? {
            return Ok(0);
        }
        let Some(link) = self.links.product_by_remote(product.id).await? else {
            return Ok(0);
        };
        let remote = if link.variations.is_empty() {
            product.clone()
        } else {
            shop.product(product.id)
                .await?
                .ok_or(RemoteError::NotFound)?
        };
        let stocked = self.catalog.get(link.product_id, Audience::Admin).await?;
        let mut changed = 0;
        for (variant, remote_qty) in remote_stock(&stocked, &link, &remote) {
            let Some(level) = stocked.level(variant) else {
                continue;
            };
            if level.available() == remote_qty.max(0) {
                continue;
            }
            self.set_sellable(
                link.product_id,
                variant,
                remote_qty,
                level.reserved,
                &Author::System,
            )
            .await?;
            changed += 1;
        }
        // Recorded after the change: a crash between sets the same counts again on redelivery.
        self.links
            .record_delivery(&digest, self.clock.now())
            .await?;
        Ok(changed)
    }
}

/// The listing written over the storefront's product `found` (adopted as it is, the type
/// written decided by [`crate::ListingType::over`]) and its variations that are ours by SKU.
fn adopted(
    stocked: &StockedProduct,
    options: SyncOptions,
    found: &RemoteProduct,
) -> (Listing, Vec<(VariantId, i64)>) {
    let listing = Listing::of(stocked, options, Some(found.listing_type));
    let variations = matched(&listing, found);
    (listing, variations)
}

/// The storefront refused our SKU as taken, but by no product we can read (a variation of
/// another product): nothing to adopt.
fn not_a_product(sku: &str, holder: i64) -> RemoteError {
    RemoteError::Refused(format!(
        "SKU {sku} is taken at the storefront by {holder}, which is not a product"
    ))
}

/// Our variants with the storefront's variations of the same SKU.
fn matched(listing: &Listing, remote: &RemoteProduct) -> Vec<(VariantId, i64)> {
    listing
        .variations()
        .iter()
        .filter_map(|v| {
            remote
                .variations
                .iter()
                .find(|r| r.sku == v.sku)
                .map(|r| (v.variant_id, r.id))
        })
        .collect()
}

fn stock_at(remote: &RemoteProduct, variation: Option<i64>) -> Option<i64> {
    match variation {
        None => remote.stock_quantity,
        Some(id) => remote
            .variations
            .iter()
            .find(|v| v.id == id)
            .and_then(|v| v.stock_quantity),
    }
}

/// Each of our tracked variants with the storefront's managed count of it.
fn remote_stock(
    stocked: &StockedProduct,
    link: &ProductLink,
    remote: &RemoteProduct,
) -> Vec<(VariantId, i64)> {
    stocked
        .product
        .variants
        .iter()
        .filter(|v| {
            stocked
                .level(v.id)
                .is_some_and(|l| l.settings.track_inventory)
        })
        .filter_map(|v| {
            let variation = link.variation_of(v.id);
            if variation.is_none() && !link.variations.is_empty() {
                return None;
            }
            stock_at(remote, variation).map(|q| (v.id, q))
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
