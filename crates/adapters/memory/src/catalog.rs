use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use merx_catalog::{
    CatalogError, InitialStock, Product, ProductQuery, ProductRepository, SortBy, SortOrder,
};
use merx_inventory::{
    InventoryError, ReservationLine, ReserveOutcome, Shortage, StockAdjustment, StockChange,
    StockLevel, StockRepository, StockSettings, merged,
};
use merx_kernel::{Page, ProductId, StoreError, Timestamp, VariantId};

use crate::lock;

#[derive(Debug, Default)]
struct StockState {
    levels: HashMap<VariantId, StockLevel>,
    adjustments: Vec<StockAdjustment>,
    reservations: Vec<Held>,
}

#[derive(Debug, Clone)]
struct Held {
    holder: String,
    variant_id: VariantId,
    quantity: i64,
    expires_at: Timestamp,
}

impl StockState {
    /// Units of the variant held by live reservations at `now`, except `holder`'s.
    fn reserved(&self, variant: VariantId, now: Timestamp, except: Option<&str>) -> i64 {
        self.reservations
            .iter()
            .filter(|h| h.variant_id == variant && h.expires_at > now)
            .filter(|h| except != Some(h.holder.as_str()))
            .map(|h| h.quantity)
            .sum()
    }
}

/// Stock levels in memory. [`MemoryCatalog`] writes the levels of new variants here, under
/// its own lock, so a product and its stock appear together.
#[derive(Debug, Default)]
pub struct MemoryStock {
    state: Mutex<StockState>,
}

impl MemoryStock {
    fn is_in_stock(&self, product: &Product) -> bool {
        let state = lock(&self.state);
        product
            .variants
            .iter()
            .any(|v| state.levels.get(&v.id).is_some_and(StockLevel::is_in_stock))
    }
}

impl MemoryStock {
    /// Takes the units from stock (an order leaves with them) and drops `holder`'s
    /// reservations, or changes nothing and lists every line that does not fit.
    pub(crate) fn take_held(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        actor: &str,
        at: Timestamp,
    ) -> Result<(), Vec<Shortage>> {
        let mut state = lock(&self.state);
        let lines = merged(lines);
        let short: Vec<Shortage> = lines
            .iter()
            .filter_map(|l| {
                let level = state.levels.get(&l.variant_id);
                let on_hand = match level {
                    Some(level) if !level.settings.track_inventory => return None,
                    Some(level) => level.on_hand,
                    None => 0,
                };
                (on_hand < l.quantity).then_some(Shortage {
                    variant_id: l.variant_id,
                    available: on_hand,
                    requested: l.quantity,
                })
            })
            .collect();
        if !short.is_empty() {
            return Err(short);
        }
        for l in &lines {
            state.change_on_hand(l.variant_id, -l.quantity, actor, "order placed", at);
        }
        state.reservations.retain(|h| h.holder != holder);
        Ok(())
    }

    /// Returns an order's units to stock.
    pub(crate) fn put_back(&self, lines: &[ReservationLine], actor: &str, at: Timestamp) {
        let mut state = lock(&self.state);
        for l in merged(lines) {
            state.change_on_hand(l.variant_id, l.quantity, actor, "order cancelled", at);
        }
    }

    pub(crate) fn release_now(&self, holder: &str) {
        lock(&self.state)
            .reservations
            .retain(|h| h.holder != holder);
    }
}

impl StockState {
    /// Moves a tracked level by `delta` with an audit record (untracked levels stay).
    fn change_on_hand(
        &mut self,
        variant: VariantId,
        delta: i64,
        actor: &str,
        reason: &str,
        at: Timestamp,
    ) {
        let Some(level) = self.levels.get_mut(&variant) else {
            return;
        };
        if !level.settings.track_inventory {
            return;
        }
        let before = level.on_hand;
        level.on_hand = (before + delta).max(0);
        level.updated_at = at;
        let after = level.on_hand;
        self.adjustments.push(StockAdjustment {
            variant_id: variant,
            actor: actor.to_owned(),
            reason: reason.to_owned(),
            before,
            after,
            at,
        });
    }
}

#[async_trait]
impl StockRepository for MemoryStock {
    async fn levels(
        &self,
        variants: &[VariantId],
        now: Timestamp,
    ) -> Result<Vec<StockLevel>, StoreError> {
        let state = lock(&self.state);
        Ok(variants
            .iter()
            .filter_map(|v| {
                state.levels.get(v).map(|l| StockLevel {
                    reserved: state.reserved(*v, now, None),
                    ..l.clone()
                })
            })
            .collect())
    }

    async fn reserve(
        &self,
        holder: &str,
        lines: &[ReservationLine],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<ReserveOutcome, StoreError> {
        let mut state = lock(&self.state);
        let lines = merged(lines);
        let mut short = Vec::new();
        for line in &lines {
            let available = match state.levels.get(&line.variant_id) {
                Some(l) if !l.settings.track_inventory => continue,
                Some(l) => (l.on_hand - state.reserved(line.variant_id, now, Some(holder))).max(0),
                None => 0,
            };
            if line.quantity > available {
                short.push(Shortage {
                    variant_id: line.variant_id,
                    available,
                    requested: line.quantity,
                });
            }
        }
        if !short.is_empty() {
            return Ok(ReserveOutcome::Short(short));
        }
        state.reservations.retain(|h| h.holder != holder);
        for line in lines {
            state.reservations.push(Held {
                holder: holder.to_owned(),
                variant_id: line.variant_id,
                quantity: line.quantity,
                expires_at,
            });
        }
        Ok(ReserveOutcome::Reserved)
    }

    async fn release(&self, holder: &str) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let before = state.reservations.len();
        state.reservations.retain(|h| h.holder != holder);
        Ok((before - state.reservations.len()) as u64)
    }

    async fn delete_expired_reservations(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let before = state.reservations.len();
        state.reservations.retain(|h| h.expires_at > now);
        Ok((before - state.reservations.len()) as u64)
    }

    async fn adjust(
        &self,
        variant: VariantId,
        change: StockChange,
        actor: &str,
        reason: &str,
        at: Timestamp,
    ) -> Result<StockAdjustment, InventoryError> {
        let mut state = lock(&self.state);
        let level = state
            .levels
            .get_mut(&variant)
            .ok_or(InventoryError::NotFound)?;
        let before = level.on_hand;
        let after = change.apply(before)?;
        level.on_hand = after;
        level.updated_at = at;
        let record = StockAdjustment {
            variant_id: variant,
            actor: actor.to_owned(),
            reason: reason.to_owned(),
            before,
            after,
            at,
        };
        state.adjustments.push(record.clone());
        Ok(record)
    }

    async fn adjustments(&self, variant: VariantId) -> Result<Vec<StockAdjustment>, StoreError> {
        let state = lock(&self.state);
        Ok(state
            .adjustments
            .iter()
            .rev()
            .filter(|a| a.variant_id == variant)
            .cloned()
            .collect())
    }
}

/// Something in memory that keeps pointing at products (cart lines, order lines).
pub trait ProductReferences: Send + Sync {
    fn references(&self, product: ProductId) -> bool;
}

/// Products in memory, sharing stock with a [`MemoryStock`].
pub struct MemoryCatalog {
    products: Mutex<HashMap<ProductId, Product>>,
    stock: Arc<MemoryStock>,
    references: Mutex<Vec<Arc<dyn ProductReferences>>>,
}

impl MemoryCatalog {
    #[must_use]
    pub fn new(stock: Arc<MemoryStock>) -> Self {
        Self {
            products: Mutex::new(HashMap::new()),
            stock,
            references: Mutex::new(Vec::new()),
        }
    }

    /// Makes `is_referenced` consult another store (carts, orders).
    pub fn track_references(&self, by: Arc<dyn ProductReferences>) {
        lock(&self.references).push(by);
    }

    /// Slug and SKU uniqueness against every other product.
    fn check_unique(
        all: &HashMap<ProductId, Product>,
        product: &Product,
    ) -> Result<(), CatalogError> {
        for other in all.values().filter(|p| p.id != product.id) {
            if other.slug == product.slug {
                return Err(CatalogError::SlugTaken(product.slug.clone()));
            }
            if let Some(v) = product
                .variants
                .iter()
                .find(|v| other.variants.iter().any(|w| w.sku == v.sku))
            {
                return Err(CatalogError::SkuTaken(v.sku.clone()));
            }
        }
        Ok(())
    }

    fn add_stock(&self, stock: &[(VariantId, InitialStock)], at: Timestamp) {
        let mut state = lock(&self.stock.state);
        for (id, s) in stock {
            let settings = StockSettings {
                track_inventory: s.track_inventory,
                low_stock_threshold: s.low_stock_threshold,
            };
            state.levels.insert(
                *id,
                StockLevel {
                    variant_id: *id,
                    on_hand: s.on_hand,
                    reserved: 0,
                    settings,
                    updated_at: at,
                },
            );
        }
    }

    fn matches(&self, p: &Product, q: &ProductQuery) -> bool {
        let price = p.price().amount();
        let text = q.search.as_ref().map(|s| s.to_lowercase());
        q.statuses.contains(&p.status)
            && q.category
                .as_ref()
                .is_none_or(|c| p.category.as_deref() == Some(c.as_str()))
            && q.tag.as_ref().is_none_or(|t| p.tags.iter().any(|x| x == t))
            && q.currency.is_none_or(|c| p.currency == c)
            && q.min_price.is_none_or(|m| price >= m)
            && q.max_price.is_none_or(|m| price <= m)
            && q.featured.is_none_or(|f| p.is_featured == f)
            && text.is_none_or(|t| p.search_text().contains(&t))
            && q.in_stock
                .is_none_or(|want| self.stock.is_in_stock(p) == want)
    }
}

#[async_trait]
impl ProductRepository for MemoryCatalog {
    async fn insert(
        &self,
        product: &Product,
        stock: &[(VariantId, InitialStock)],
    ) -> Result<(), CatalogError> {
        let mut all = lock(&self.products);
        Self::check_unique(&all, product)?;
        all.insert(product.id, product.clone());
        self.add_stock(stock, product.updated_at);
        Ok(())
    }

    async fn update(
        &self,
        product: &Product,
        new_stock: &[(VariantId, InitialStock)],
    ) -> Result<bool, CatalogError> {
        let mut all = lock(&self.products);
        let Some(old) = all.get(&product.id) else {
            return Ok(false);
        };
        Self::check_unique(&all, product)?;
        let gone: Vec<VariantId> = old
            .variants
            .iter()
            .filter(|v| product.variant(v.id).is_none())
            .map(|v| v.id)
            .collect();
        all.insert(product.id, product.clone());
        lock(&self.stock.state)
            .levels
            .retain(|id, _| !gone.contains(id));
        self.add_stock(new_stock, product.updated_at);
        Ok(true)
    }

    async fn find(&self, id: ProductId) -> Result<Option<Product>, StoreError> {
        Ok(lock(&self.products).get(&id).cloned())
    }

    async fn find_by_slug(&self, slug: &str) -> Result<Option<Product>, StoreError> {
        Ok(lock(&self.products)
            .values()
            .find(|p| p.slug == slug)
            .cloned())
    }

    async fn find_by_variant(&self, variant: VariantId) -> Result<Option<Product>, StoreError> {
        Ok(lock(&self.products)
            .values()
            .find(|p| p.variant(variant).is_some())
            .cloned())
    }

    async fn slug_taken(&self, slug: &str, except: Option<ProductId>) -> Result<bool, StoreError> {
        Ok(lock(&self.products)
            .values()
            .any(|p| p.slug == slug && Some(p.id) != except))
    }

    async fn list(&self, query: &ProductQuery) -> Result<Page<Product>, StoreError> {
        let mut found: Vec<Product> = lock(&self.products)
            .values()
            .filter(|p| self.matches(p, query))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            let by = match query.sort_by {
                SortBy::Price => a.price().amount().cmp(&b.price().amount()),
                SortBy::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                SortBy::CreatedAt => a.created_at.cmp(&b.created_at),
            };
            let by = by.then(a.id.cmp(&b.id));
            if query.sort_order == SortOrder::Desc {
                by.reverse()
            } else {
                by
            }
        });
        Ok(Page::of_all(found, query.page))
    }

    async fn is_referenced(&self, id: ProductId) -> Result<bool, StoreError> {
        let by = lock(&self.references).clone();
        Ok(by.iter().any(|r| r.references(id)))
    }

    async fn delete(&self, id: ProductId) -> Result<bool, StoreError> {
        let Some(removed) = lock(&self.products).remove(&id) else {
            return Ok(false);
        };
        let mut state = lock(&self.stock.state);
        for v in &removed.variants {
            state.levels.remove(&v.id);
        }
        Ok(true)
    }
}
