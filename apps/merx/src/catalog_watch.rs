//! The one place that sees every change of what the public catalog shows (spec §15): the
//! stores that write products, prices and stock are wrapped here when they are composed, and
//! each write that went through tells this process's subscribers (the response cache) after it
//! is stored. No route clears a cache; other instances hear of catalog and stock-adjustment
//! changes through Postgres (`merx_postgres::watch_catalog_changes`).
//!
//! A catalog change is a product edit, a stock adjustment, or units leaving or coming back to
//! the shelf with an order (placed, confirmed, cancelled, refunded with a restock, paid by a
//! provider). A hold is not: a checkout session or direct reservation holds units for minutes,
//! and a cached page may show them available for at most the cache's TTL (1 s by default)
//! rather than every hold emptying the cache in a rush.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use merx_cart::CartId;
use merx_catalog::{
    CatalogError, InitialStock, Product, ProductQuery, ProductRepository, StockedProduct,
};
use merx_checkout::{
    CheckoutId, CheckoutSession, CheckoutStore, EventApplied, EventEffect, OrderChange,
    PlaceOutcome, Placement, ProviderEvent, RefundAsk, RefundBegun, RefundOutcome, SessionStatus,
};
use merx_inventory::{
    InventoryError, ReservationLine, ReserveOutcome, StockAdjustment, StockChange, StockLevel,
    StockRepository,
};
use merx_kernel::audit::AuditEntry;
use merx_kernel::{Page, ProductId, StoreError, Timestamp, VariantId};
use merx_orders::OrderId;
use merx_reviews::{RatingDelta, Review, ReviewFilter, ReviewId, ReviewStore};

type Subscriber = Arc<dyn Fn() + Send + Sync>;

/// Tells subscribers that the catalog changed. Cloned into every wrapped store.
#[derive(Clone, Default)]
pub struct CatalogSignal {
    subscribers: Arc<RwLock<Vec<Subscriber>>>,
}

impl std::fmt::Debug for CatalogSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogSignal").finish_non_exhaustive()
    }
}

impl CatalogSignal {
    pub fn subscribe(&self, on_change: impl Fn() + Send + Sync + 'static) {
        self.subscribers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Arc::new(on_change));
    }

    fn changed(&self) {
        let subscribers = self
            .subscribers
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        for on_change in subscribers {
            on_change();
        }
    }

    /// `result` as it is, after telling the subscribers when `changed` says it changed
    /// something.
    fn after<T, E>(&self, result: Result<T, E>, changed: impl FnOnce(&T) -> bool) -> Result<T, E> {
        if let Ok(value) = &result
            && changed(value)
        {
            self.changed();
        }
        result
    }
}

/// Products, telling the signal after each write.
pub struct WatchedProducts(pub Arc<dyn ProductRepository>, pub CatalogSignal);

#[async_trait]
impl ProductRepository for WatchedProducts {
    async fn insert(
        &self,
        product: &Product,
        stock: &[(VariantId, InitialStock)],
        audit: Option<AuditEntry>,
    ) -> Result<(), CatalogError> {
        let done = self.0.insert(product, stock, audit).await;
        self.1.after(done, |()| true)
    }

    async fn update(
        &self,
        product: &Product,
        new_stock: &[(VariantId, InitialStock)],
        audit: Option<AuditEntry>,
    ) -> Result<bool, CatalogError> {
        let done = self.0.update(product, new_stock, audit).await;
        self.1.after(done, |updated| *updated)
    }

    async fn find(&self, id: ProductId) -> Result<Option<Product>, StoreError> {
        self.0.find(id).await
    }

    async fn find_many(&self, ids: &[ProductId]) -> Result<Vec<Product>, StoreError> {
        self.0.find_many(ids).await
    }

    async fn find_by_slug(&self, slug: &str) -> Result<Option<Product>, StoreError> {
        self.0.find_by_slug(slug).await
    }

    async fn find_stocked_by_slug(
        &self,
        slug: &str,
        now: Timestamp,
    ) -> Result<Option<StockedProduct>, StoreError> {
        self.0.find_stocked_by_slug(slug, now).await
    }

    async fn find_by_variant(&self, variant: VariantId) -> Result<Option<Product>, StoreError> {
        self.0.find_by_variant(variant).await
    }

    async fn slug_taken(&self, slug: &str, except: Option<ProductId>) -> Result<bool, StoreError> {
        self.0.slug_taken(slug, except).await
    }

    async fn list(&self, query: &ProductQuery) -> Result<Page<Product>, StoreError> {
        self.0.list(query).await
    }

    async fn is_referenced(&self, id: ProductId) -> Result<bool, StoreError> {
        self.0.is_referenced(id).await
    }

    async fn delete(&self, id: ProductId, audit: Option<AuditEntry>) -> Result<bool, StoreError> {
        let done = self.0.delete(id, audit).await;
        self.1.after(done, |deleted| *deleted)
    }
}

/// Stock levels and holds, telling the signal after each adjustment (holds are not catalog
/// changes).
pub struct WatchedStock(pub Arc<dyn StockRepository>, pub CatalogSignal);

#[async_trait]
impl StockRepository for WatchedStock {
    async fn levels(
        &self,
        variants: &[VariantId],
        now: Timestamp,
    ) -> Result<Vec<StockLevel>, StoreError> {
        self.0.levels(variants, now).await
    }

    async fn reserve_over(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        now: Timestamp,
        expires_at: Timestamp,
        takes_over: Option<String>,
    ) -> Result<ReserveOutcome, StoreError> {
        self.0
            .reserve_over(holder, lines, now, expires_at, takes_over)
            .await
    }

    async fn release(&self, holder: &str) -> Result<u64, StoreError> {
        self.0.release(holder).await
    }

    /// Expired holds stopped counting when they expired: deleting them changes nothing shown.
    async fn delete_expired_reservations(&self, now: Timestamp) -> Result<u64, StoreError> {
        self.0.delete_expired_reservations(now).await
    }

    async fn adjust(
        &self,
        variant: VariantId,
        change: StockChange,
        actor: &str,
        reason: &str,
        at: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<StockAdjustment, InventoryError> {
        let done = self
            .0
            .adjust(variant, change, actor, reason, at, audit)
            .await;
        self.1.after(done, |_| true)
    }

    async fn adjustments(&self, variant: VariantId) -> Result<Vec<StockAdjustment>, StoreError> {
        self.0.adjustments(variant).await
    }
}

/// Checkout's writes, telling the signal after each that took units from the shelf or gave
/// them back (a session's holds are not catalog changes).
pub struct WatchedCheckout(pub Arc<dyn CheckoutStore>, pub CatalogSignal);

fn order_changed(change: &OrderChange) -> bool {
    matches!(change, OrderChange::Done(_))
}

#[async_trait]
impl CheckoutStore for WatchedCheckout {
    async fn insert_session(
        &self,
        session: &CheckoutSession,
    ) -> Result<Vec<CheckoutId>, StoreError> {
        self.0.insert_session(session).await
    }

    async fn find_session(&self, id: CheckoutId) -> Result<Option<CheckoutSession>, StoreError> {
        self.0.find_session(id).await
    }

    async fn open_sessions_of_cart(&self, cart: CartId) -> Result<Vec<CheckoutId>, StoreError> {
        self.0.open_sessions_of_cart(cart).await
    }

    async fn close_session(
        &self,
        id: CheckoutId,
        to: SessionStatus,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        self.0.close_session(id, to, now).await
    }

    async fn expire_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        self.0.expire_sessions(now).await
    }

    async fn next_order_number(&self) -> Result<i64, StoreError> {
        self.0.next_order_number().await
    }

    async fn place_order(&self, placement: &Placement) -> Result<PlaceOutcome, StoreError> {
        let done = self.0.place_order(placement).await;
        self.1.after(done, |outcome| {
            *outcome == PlaceOutcome::Placed && placement.order.stock_taken
        })
    }

    async fn confirm_order(
        &self,
        id: OrderId,
        settlement: &merx_orders::Settlement,
        now: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<OrderChange, StoreError> {
        let done = self.0.confirm_order(id, settlement, now, audit).await;
        self.1.after(done, order_changed)
    }

    async fn cancel_order(
        &self,
        id: OrderId,
        reason: merx_orders::CancelReason,
        now: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<OrderChange, StoreError> {
        let done = self.0.cancel_order(id, reason, now, audit).await;
        self.1.after(done, order_changed)
    }

    async fn begin_refund(
        &self,
        id: OrderId,
        ask: &RefundAsk,
        now: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<RefundBegun, StoreError> {
        let done = self.0.begin_refund(id, ask, now, audit).await;
        self.1.after(done, |begun| {
            ask.restock && matches!(begun, RefundBegun::Begun { .. })
        })
    }

    async fn finish_refund(
        &self,
        refund: merx_orders::RefundId,
        outcome: &RefundOutcome,
        now: Timestamp,
    ) -> Result<Option<merx_orders::Refund>, StoreError> {
        self.0.finish_refund(refund, outcome, now).await
    }

    async fn refunds(&self, id: OrderId) -> Result<Vec<merx_orders::Refund>, StoreError> {
        self.0.refunds(id).await
    }

    async fn apply_event(
        &self,
        event: &ProviderEvent,
        effect: &EventEffect,
        now: Timestamp,
    ) -> Result<EventApplied, StoreError> {
        let done = self.0.apply_event(event, effect, now).await;
        self.1
            .after(done, |applied| matches!(applied, EventApplied::Applied(_)))
    }

    async fn order_by_payment_ref(&self, payment_ref: &str) -> Result<Option<OrderId>, StoreError> {
        self.0.order_by_payment_ref(payment_ref).await
    }

    async fn due_provider_sessions(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<CheckoutSession>, StoreError> {
        self.0.due_provider_sessions(now, limit).await
    }

    async fn cancel_unpaid_orders(&self, now: Timestamp) -> Result<u64, StoreError> {
        let done = self.0.cancel_unpaid_orders(now).await;
        self.1.after(done, |n| *n > 0)
    }
}

/// Reviews, telling the signal after each write that changed a product's rating counts (what
/// every product body shows).
pub struct WatchedReviews(pub Arc<dyn ReviewStore>, pub CatalogSignal);

impl WatchedReviews {
    fn told(&self, written: bool, delta: RatingDelta) -> bool {
        if written && !delta.is_zero() {
            self.1.changed();
        }
        written
    }
}

#[async_trait]
impl ReviewStore for WatchedReviews {
    async fn insert(&self, review: &Review, delta: RatingDelta) -> Result<bool, StoreError> {
        let written = self.0.insert(review, delta).await?;
        Ok(self.told(written, delta))
    }

    async fn find(&self, id: ReviewId) -> Result<Option<Review>, StoreError> {
        self.0.find(id).await
    }

    async fn update(&self, review: &Review, delta: RatingDelta) -> Result<bool, StoreError> {
        let written = self.0.update(review, delta).await?;
        Ok(self.told(written, delta))
    }

    async fn delete(
        &self,
        id: ReviewId,
        version: i64,
        delta: RatingDelta,
    ) -> Result<bool, StoreError> {
        let written = self.0.delete(id, version, delta).await?;
        Ok(self.told(written, delta))
    }

    async fn list(
        &self,
        filter: &ReviewFilter,
        page: merx_kernel::PageRequest,
    ) -> Result<Page<Review>, StoreError> {
        self.0.list(filter, page).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counted(signal: &CatalogSignal) -> Arc<AtomicUsize> {
        let told = Arc::new(AtomicUsize::new(0));
        let seen = told.clone();
        signal.subscribe(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        told
    }

    #[tokio::test]
    async fn reads_holds_and_refused_writes_tell_nobody() {
        let signal = CatalogSignal::default();
        let told = counted(&signal);
        let mut inner = merx_inventory::MockStockRepository::new();
        inner.expect_levels().returning(|_, _| Ok(Vec::new()));
        inner.expect_release().returning(|_| Ok(2));
        inner
            .expect_adjust()
            .returning(|_, _, _, _, _, _| Err(InventoryError::NotFound));
        let stock = WatchedStock(Arc::new(inner), signal);
        stock.levels(&[], chrono::Utc::now()).await.expect("levels");
        stock.release("session").await.expect("release");
        let refused = stock
            .adjust(
                VariantId::new(),
                StockChange::Delta(-1),
                "admin",
                "damaged",
                chrono::Utc::now(),
                None,
            )
            .await;
        assert!(refused.is_err());
        assert_eq!(told.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_product_written_tells_every_subscriber_once() {
        let signal = CatalogSignal::default();
        let (one, two) = (counted(&signal), counted(&signal));
        let mut inner = merx_catalog::MockProductRepository::new();
        inner.expect_delete().returning(|_, _| Ok(true));
        inner.expect_find().returning(|_| Ok(None));
        let products = WatchedProducts(Arc::new(inner), signal);
        products.find(ProductId::new()).await.expect("find");
        assert_eq!(one.load(Ordering::SeqCst), 0, "a read is no edit");
        assert!(
            products
                .delete(ProductId::new(), None)
                .await
                .expect("delete")
        );
        assert_eq!(
            (one.load(Ordering::SeqCst), two.load(Ordering::SeqCst)),
            (1, 1)
        );
    }
}
