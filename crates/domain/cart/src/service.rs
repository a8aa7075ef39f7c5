use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use merx_catalog::{Product, ProductRepository, ProductStatus};
use merx_identity::UserId;
use merx_inventory::{StockLevel, StockRepository};
use merx_kernel::{Clock, Currency, ProductId, ValidationErrors, VariantId, json_has_nul};
use merx_pricing::{
    Customer, Discount, PricingError, PricingService, QuoteInput, QuoteLine, quote,
};
use serde_json::{Map, Value};

use crate::error::Shortfall;
use crate::{
    AddOutcome, Cart, CartCaller, CartError, CartId, CartItem, CartItemId, CartOwner,
    CartRepository, CartView, LineView, MAX_LINE_QUANTITY, MAX_LINES, Touch,
};

/// What to add: a variant, or a product that has exactly one variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductRef {
    Variant(VariantId),
    Product(ProductId),
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewLine {
    pub product: ProductRef,
    pub quantity: i64,
    pub metadata: Option<Map<String, Value>>,
}

/// What an operation already read, so the view it answers with does not read it again.
#[derive(Default)]
struct Known {
    products: HashMap<ProductId, Product>,
    levels: HashMap<VariantId, StockLevel>,
    /// Variants whose level was asked for (a variant without a level has none to find).
    levels_of: HashSet<VariantId>,
}

/// Carts: their lines, owners and discount code, and their live-priced view.
pub struct CartService {
    carts: Arc<dyn CartRepository>,
    products: Arc<dyn ProductRepository>,
    stock: Arc<dyn StockRepository>,
    pricing: Arc<PricingService>,
    clock: Arc<dyn Clock>,
    default_currency: Currency,
}

const METADATA_MAX_BYTES: usize = 16 * 1024;

fn too_many_lines() -> CartError {
    ValidationErrors::single(
        "items",
        format!("a cart holds at most {MAX_LINES} lines; add more of a line already held"),
    )
    .into()
}

pub(crate) fn check_quantity(quantity: i64) -> Result<(), CartError> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(CartError::QuantityInvalid(format!(
            "quantity must be 1 to {MAX_LINE_QUANTITY}"
        )))
    }
}

impl CartService {
    #[must_use]
    pub fn new(
        carts: Arc<dyn CartRepository>,
        products: Arc<dyn ProductRepository>,
        stock: Arc<dyn StockRepository>,
        pricing: Arc<PricingService>,
        clock: Arc<dyn Clock>,
        default_currency: Currency,
    ) -> Self {
        Self {
            carts,
            products,
            stock,
            pricing,
            clock,
            default_currency,
        }
    }

    pub(crate) fn now(&self) -> merx_kernel::Timestamp {
        self.clock.now()
    }

    fn touch(&self) -> Touch {
        Touch::at(self.clock.now())
    }

    fn fresh_cart(&self, owner: CartOwner, currency: Currency, touch: Touch) -> Cart {
        Cart {
            id: CartId::new(),
            owner,
            currency,
            items: Vec::new(),
            discount_code: None,
            created_at: touch.now,
            updated_at: touch.now,
            expires_at: touch.expires_at,
        }
    }

    /// A new empty cart for the caller, in `currency` or the shop's default.
    ///
    /// # Errors
    /// [`CartError::NoOwner`] without a user or session.
    pub async fn create(
        &self,
        caller: &CartCaller,
        currency: Option<Currency>,
    ) -> Result<Cart, CartError> {
        let owner = caller.owner().ok_or(CartError::NoOwner)?;
        let cart = self.fresh_cart(
            owner,
            currency.unwrap_or(self.default_currency),
            self.touch(),
        );
        self.carts.insert(&cart).await?;
        Ok(cart)
    }

    /// The cart, when the caller may see it and it has not expired.
    ///
    /// # Errors
    /// [`CartError::NotFound`] otherwise.
    pub async fn get(&self, id: CartId, caller: &CartCaller) -> Result<Cart, CartError> {
        let now = self.clock.now();
        self.carts
            .find(id)
            .await?
            .filter(|c| c.is_visible_to(caller) && !c.is_expired(now))
            .ok_or(CartError::NotFound)
    }

    /// The caller's current cart: the user's when signed in, else the session's.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn current(&self, caller: &CartCaller) -> Result<Option<Cart>, CartError> {
        match caller.owner() {
            Some(owner) => Ok(self.carts.find_current(&owner, self.touch()).await?),
            None => Ok(None),
        }
    }

    /// The cart named, or (`None`) the caller's current one.
    async fn resolve(&self, id: Option<CartId>, caller: &CartCaller) -> Result<Cart, CartError> {
        match id {
            Some(id) => self.get(id, caller).await,
            None => self.current(caller).await?.ok_or(CartError::NotFound),
        }
    }

    /// The product a line refers to, when it can go in a cart.
    pub(crate) async fn purchasable(
        &self,
        product: ProductRef,
    ) -> Result<(Product, VariantId), CartError> {
        let found = match product {
            ProductRef::Variant(v) => self.products.find_by_variant(v).await?.map(|p| (p, v)),
            ProductRef::Product(p) => match self.products.find(p).await? {
                Some(p) if p.variants.len() == 1 => {
                    let v = p.variants[0].id;
                    Some((p, v))
                }
                Some(_) => {
                    return Err(ValidationErrors::single(
                        "variant_id",
                        "this product has several variants: name one",
                    )
                    .into());
                }
                None => None,
            },
        };
        match found {
            Some((p, v)) if p.status == ProductStatus::Active => Ok((p, v)),
            Some(_) => Err(CartError::InvalidProduct(
                "this product is not on sale".into(),
            )),
            None => Err(CartError::InvalidProduct(
                "no such product or variant".into(),
            )),
        }
    }

    /// Stock levels (live reservations counted) of the variants that have one.
    async fn levels_by_variant(
        &self,
        variants: &[VariantId],
    ) -> Result<HashMap<VariantId, StockLevel>, CartError> {
        if variants.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .stock
            .levels(variants, self.clock.now())
            .await?
            .into_iter()
            .map(|l| (l.variant_id, l))
            .collect())
    }

    async fn level(&self, variant: VariantId) -> Result<Option<StockLevel>, CartError> {
        Ok(self.levels_by_variant(&[variant]).await?.remove(&variant))
    }

    /// The SKUs of these variants, for answers that name lines as clients know them (a variant
    /// that is gone keeps its id).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn skus_of(
        &self,
        variants: &[VariantId],
    ) -> Result<HashMap<VariantId, String>, CartError> {
        let mut skus = HashMap::new();
        for &variant in variants {
            if let Some(product) = self.products.find_by_variant(variant).await?
                && let Some(v) = product.variant(variant)
            {
                skus.insert(variant, v.sku.clone());
            }
        }
        Ok(skus)
    }

    /// Adds units to the cart (or to the caller's current cart, created on this first add in
    /// the product's currency), onto the variant's existing line if there is one.
    ///
    /// # Errors
    /// `QuantityInvalid` outside 1..=99 (also for the line's new total); `InvalidProduct`
    /// (unknown, not active, other currency); `Insufficient`; `NotFound`; `NoOwner`.
    pub async fn add(
        &self,
        id: Option<CartId>,
        caller: &CartCaller,
        line: NewLine,
    ) -> Result<Cart, CartError> {
        Ok(self.add_line(id, caller, line).await?.0)
    }

    /// [`Self::add`], answered with the cart's view: the product and stock the add read
    /// already are not read again.
    ///
    /// # Errors
    /// As for [`Self::add`]; an overflowing total.
    pub async fn add_and_view(
        &self,
        id: Option<CartId>,
        caller: &CartCaller,
        line: NewLine,
    ) -> Result<CartView, CartError> {
        let (cart, known) = self.add_line(id, caller, line).await?;
        let customer = Self::customer_of(&cart);
        self.view_knowing(cart, &customer, known).await
    }

    async fn add_line(
        &self,
        id: Option<CartId>,
        caller: &CartCaller,
        line: NewLine,
    ) -> Result<(Cart, Known), CartError> {
        check_quantity(line.quantity)?;
        if line.metadata.as_ref().is_some_and(|m| {
            json_has_nul(m) || serde_json::to_vec(m).map_or(true, |b| b.len() > METADATA_MAX_BYTES)
        }) {
            return Err(ValidationErrors::single(
                "metadata",
                "must be at most 16 KiB of JSON, without NUL characters",
            )
            .into());
        }
        let (product, variant_id) = self.purchasable(line.product).await?;
        let variant = product
            .variant(variant_id)
            .ok_or_else(|| CartError::InvalidProduct("no such variant".into()))?;
        let level = self.level(variant_id).await?;
        // Stock caps the line too, checked again under the cart's lock by the store.
        let stock_cap = level
            .as_ref()
            .filter(|l| l.settings.track_inventory)
            .map(StockLevel::available);
        let shortfall = |available: i64, requested: i64| {
            CartError::Insufficient(Shortfall {
                sku: variant.sku.clone(),
                available_quantity: available,
                requested_quantity: requested,
            })
        };
        // Visibly short: refused here, without a lock or a write (a sold-out variant's
        // buyers never queue). The store checks again under the cart's lock.
        if let Some(available) = stock_cap
            && line.quantity > available
        {
            return Err(shortfall(available, line.quantity));
        }
        let max = stock_cap.map_or(MAX_LINE_QUANTITY, |a| a.min(MAX_LINE_QUANTITY));
        let touch = self.touch();
        let item = CartItem {
            id: CartItemId::new(),
            product_id: product.id,
            variant_id,
            quantity: line.quantity,
            metadata: line.metadata.unwrap_or_default(),
            added_at: touch.now,
        };
        let other_currency = |cart: Currency| {
            CartError::InvalidProduct(format!(
                "this product is priced in {}, the cart in {cart}",
                product.currency
            ))
        };
        let outcome = match id {
            Some(id) => {
                let cart = self.get(id, caller).await?;
                if product.currency != cart.currency {
                    return Err(other_currency(cart.currency));
                }
                if cart.is_full_for(variant_id) {
                    return Err(too_many_lines());
                }
                let wanted = cart.line_of(variant_id).map_or(0, |l| l.quantity) + line.quantity;
                if let Some(available) = stock_cap
                    && wanted > available
                {
                    return Err(shortfall(available, wanted));
                }
                self.carts.add_item(cart.id, &item, max, touch).await?
            }
            None => {
                let owner = caller.owner().ok_or(CartError::NoOwner)?;
                let new = self.fresh_cart(owner, product.currency, touch);
                self.carts.add_to_current(&new, &item, max, touch).await?
            }
        };
        let cart = match outcome {
            // A line this add made past the limit (a first add to a current cart, or a race
            // between two adds) is taken out again: each add undoes only its own line.
            AddOutcome::Added(cart)
                if cart.items.len() > MAX_LINES
                    && cart.line_of(variant_id).is_some_and(|l| l.id == item.id) =>
            {
                self.carts.remove_item(cart.id, item.id, touch).await?;
                return Err(too_many_lines());
            }
            AddOutcome::Added(cart) => cart,
            AddOutcome::TooMany { current } => {
                return Err(match stock_cap {
                    Some(available) if current + line.quantity <= MAX_LINE_QUANTITY => {
                        shortfall(available, current + line.quantity)
                    }
                    _ => CartError::QuantityInvalid(format!(
                        "the line holds {current}; a line holds at most {MAX_LINE_QUANTITY}"
                    )),
                });
            }
            AddOutcome::OtherCurrency(currency) => return Err(other_currency(currency)),
            AddOutcome::NoCart => return Err(CartError::NotFound),
        };
        let mut known = Known::default();
        known.levels_of.insert(variant_id);
        if let Some(level) = level {
            known.levels.insert(variant_id, level);
        }
        known.products.insert(product.id, product);
        Ok((cart, known))
    }

    /// Sets a line's quantity; 0 removes the line.
    ///
    /// # Errors
    /// `QuantityInvalid` outside 0..=99; `Insufficient`; `ItemNotFound`; `NotFound`.
    pub async fn set_quantity(
        &self,
        id: Option<CartId>,
        caller: &CartCaller,
        item: CartItemId,
        quantity: i64,
    ) -> Result<Cart, CartError> {
        if quantity == 0 {
            return self.remove_item(id, caller, item).await;
        }
        check_quantity(quantity)?;
        let cart = self.resolve(id, caller).await?;
        let line = cart.item(item).ok_or(CartError::ItemNotFound)?;
        if quantity > line.quantity
            && let Some(level) = self.level(line.variant_id).await?
            && level.settings.track_inventory
            && quantity > level.available()
        {
            let sku = self
                .products
                .find(line.product_id)
                .await?
                .and_then(|p| p.variant(line.variant_id).map(|v| v.sku.clone()))
                .unwrap_or_default();
            return Err(CartError::Insufficient(Shortfall {
                sku,
                available_quantity: level.available(),
                requested_quantity: quantity,
            }));
        }
        self.carts
            .set_quantity(cart.id, item, quantity, self.touch())
            .await?
            .ok_or(CartError::ItemNotFound)
    }

    /// # Errors
    /// `ItemNotFound`; `NotFound`.
    pub async fn remove_item(
        &self,
        id: Option<CartId>,
        caller: &CartCaller,
        item: CartItemId,
    ) -> Result<Cart, CartError> {
        let cart = self.resolve(id, caller).await?;
        self.carts
            .remove_item(cart.id, item, self.touch())
            .await?
            .ok_or(CartError::ItemNotFound)
    }

    /// Empties the cart (lines and discount code); the cart itself stays.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn clear(&self, id: Option<CartId>, caller: &CartCaller) -> Result<Cart, CartError> {
        let cart = self.resolve(id, caller).await?;
        self.carts
            .clear(cart.id, self.touch())
            .await?
            .ok_or(CartError::NotFound)
    }

    /// Applies a code after checking it against the cart as it is now.
    ///
    /// # Errors
    /// `DiscountAlreadyApplied` when the cart has a code; the code's rejection; `NotFound`.
    pub async fn apply_discount(
        &self,
        id: CartId,
        caller: &CartCaller,
        code: &str,
    ) -> Result<Cart, CartError> {
        let cart = self.get(id, caller).await?;
        if cart.discount_code.is_some() {
            return Err(CartError::DiscountAlreadyApplied);
        }
        let customer = Self::customer_of(&cart);
        let view = self.view(cart, &customer).await?;
        let discount = self
            .pricing
            .usable_discount(
                code,
                view.cart.currency,
                view.quote.subtotal.amount(),
                &customer,
            )
            .await?;
        let code = discount.code;
        let cart = self
            .carts
            .set_discount(view.cart.id, Some(code.clone()), self.touch())
            .await?
            .ok_or(CartError::NotFound)?;
        // A concurrent apply of another code got there first.
        if cart.discount_code.as_deref() != Some(code.as_str()) {
            return Err(CartError::DiscountAlreadyApplied);
        }
        Ok(cart)
    }

    /// # Errors
    /// `NotFound`.
    pub async fn remove_discount(
        &self,
        id: CartId,
        caller: &CartCaller,
    ) -> Result<Cart, CartError> {
        let cart = self.get(id, caller).await?;
        self.carts
            .set_discount(cart.id, None, self.touch())
            .await?
            .ok_or(CartError::NotFound)
    }

    /// On sign-in: the session's guest cart joins the user's. Quantities add up, capped by
    /// what is available and the line maximum; when the user has no cart, or one in another
    /// currency, the guest cart simply becomes theirs (the newest cart is the current one).
    ///
    /// # Errors
    /// Storage failure.
    pub async fn merge_guest_cart(
        &self,
        session: &str,
        user: UserId,
    ) -> Result<Option<Cart>, CartError> {
        let touch = self.touch();
        let guest_owner = CartOwner::Guest(session.to_owned());
        let Some(guest) = self.carts.find_current(&guest_owner, touch).await? else {
            return Ok(None);
        };
        let user_owner = CartOwner::User(user);
        let target = self.carts.find_current(&user_owner, touch).await?;
        let into = match target {
            Some(t) if t.currency == guest.currency => t,
            _ => return Ok(self.carts.reassign(guest.id, &user_owner, touch).await?),
        };
        let variants: Vec<VariantId> = guest.items.iter().map(|i| i.variant_id).collect();
        let levels = self.levels_by_variant(&variants).await?;
        let lines: Vec<CartItem> = guest
            .items
            .iter()
            .filter_map(|g| {
                let existing = into.line_of(g.variant_id);
                let have = existing.map_or(0, |e| e.quantity);
                let cap = levels
                    .get(&g.variant_id)
                    .filter(|l| l.settings.track_inventory)
                    .map_or(MAX_LINE_QUANTITY, |l| l.available().min(MAX_LINE_QUANTITY));
                // Adds what stock allows; never takes away what the user's cart already had.
                let quantity = (have + g.quantity).min(cap).max(have);
                (quantity > 0).then(|| CartItem {
                    id: existing.map_or(g.id, |e| e.id),
                    quantity,
                    metadata: if g.metadata.is_empty() {
                        existing.map(|e| e.metadata.clone()).unwrap_or_default()
                    } else {
                        g.metadata.clone()
                    },
                    ..g.clone()
                })
            })
            .collect();
        Ok(self.carts.merge(guest.id, into.id, &lines, touch).await?)
    }

    /// Deletes carts past their expiry; how many.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn delete_expired(&self) -> Result<u64, CartError> {
        Ok(self.carts.delete_expired(self.clock.now()).await?)
    }

    /// Whether any cart holds a line of the product.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn references_product(&self, product: ProductId) -> Result<bool, CartError> {
        Ok(self.carts.references_product(product).await?)
    }

    /// Who the cart belongs to, as prices see it.
    #[must_use]
    pub fn customer_of(cart: &Cart) -> Customer {
        Customer {
            key: cart.user_id().map(|u| u.to_string()),
            tax_id: None,
        }
    }

    /// The cart with live catalog data and its quote (no address: no tax or shipping).
    /// Lines whose product has gone are left out.
    ///
    /// # Errors
    /// Storage failure; an overflowing total.
    pub async fn view(&self, cart: Cart, customer: &Customer) -> Result<CartView, CartError> {
        self.view_knowing(cart, customer, Known::default()).await
    }

    /// [`Self::view`] reading only the products and levels `known` lacks (one batch each).
    async fn view_knowing(
        &self,
        cart: Cart,
        customer: &Customer,
        known: Known,
    ) -> Result<CartView, CartError> {
        let Known {
            mut products,
            mut levels,
            levels_of,
        } = known;
        let mut missing: Vec<ProductId> = cart
            .items
            .iter()
            .map(|i| i.product_id)
            .filter(|p| !products.contains_key(p))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            for p in self.products.find_many(&missing).await? {
                products.insert(p.id, p);
            }
        }
        let unread: Vec<VariantId> = cart
            .items
            .iter()
            .map(|i| i.variant_id)
            .filter(|v| !levels_of.contains(v))
            .collect();
        levels.extend(self.levels_by_variant(&unread).await?);
        let mut lines = Vec::with_capacity(cart.items.len());
        for item in &cart.items {
            let Some(product) = products.get(&item.product_id) else {
                continue;
            };
            let Some(variant) = product.variant(item.variant_id) else {
                continue;
            };
            let available_quantity = levels.get(&item.variant_id).map_or(MAX_LINE_QUANTITY, |l| {
                if l.settings.track_inventory {
                    l.available()
                } else {
                    MAX_LINE_QUANTITY
                }
            });
            let line_total = variant
                .price
                .checked_mul(item.quantity)
                .map_err(|_| CartError::Pricing(PricingError::Overflow))?;
            lines.push(LineView {
                item: item.clone(),
                product_id: product.id,
                variant_id: variant.id,
                sku: variant.sku.clone(),
                name: product.name.clone(),
                variant_name: variant.name.clone(),
                image_url: product
                    .images
                    .iter()
                    .min_by_key(|i| i.sort_order)
                    .map(|i| i.url.clone()),
                unit_price: variant.price,
                line_total,
                weight_grams: variant.weight_grams,
                on_sale: product.status == ProductStatus::Active
                    && product.currency == cart.currency,
                available: product.status == ProductStatus::Active
                    && product.currency == cart.currency
                    && item.quantity <= available_quantity,
                available_quantity,
            });
        }
        let quote_lines = Self::quote_lines(&cart, &lines);
        let subtotal = quote_lines
            .iter()
            .try_fold(0_i64, |acc, l| {
                l.unit_price
                    .amount()
                    .checked_mul(l.quantity)
                    .and_then(|t| acc.checked_add(t))
            })
            .ok_or(CartError::Pricing(PricingError::Overflow))?;
        let discount = self.applicable_discount(&cart, subtotal, customer).await?;
        let quote = quote(&QuoteInput {
            currency: cart.currency,
            lines: &quote_lines,
            discount: discount.as_ref(),
            shipping: None,
            tax: None,
            business_tax_id: false,
        })?;
        Ok(CartView {
            cart,
            lines,
            quote,
            discount,
        })
    }

    /// The lines a quote prices: those still on sale in the cart's currency, at live prices.
    /// Lines of archived or unpublished products stay visible (flagged) but cost nothing.
    #[must_use]
    pub fn quote_lines(cart: &Cart, lines: &[LineView]) -> Vec<QuoteLine> {
        lines
            .iter()
            .filter(|l| l.on_sale && l.unit_price.currency() == cart.currency)
            .map(|l| QuoteLine {
                variant_id: l.variant_id,
                unit_price: l.unit_price,
                quantity: l.item.quantity,
                weight_grams: l.weight_grams,
            })
            .collect()
    }

    async fn applicable_discount(
        &self,
        cart: &Cart,
        subtotal: i64,
        customer: &Customer,
    ) -> Result<Option<Discount>, CartError> {
        let Some(code) = &cart.discount_code else {
            return Ok(None);
        };
        match self
            .pricing
            .usable_discount(code, cart.currency, subtotal, customer)
            .await
        {
            Ok(d) => Ok(Some(d)),
            Err(PricingError::Discount(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The pricing service carts quote with.
    #[must_use]
    pub(crate) fn pricing(&self) -> &PricingService {
        &self.pricing
    }
}
