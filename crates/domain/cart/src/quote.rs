//! Quotes for the checkout calculators: a cart (or loose items) priced for an address.

use merx_kernel::{Currency, Money, ValidationErrors, VariantId};
use merx_pricing::{
    Customer, Destination, Discount, PricingService, Quote, QuoteLine, QuoteRequest,
};

use crate::service::check_quantity;
use crate::{
    Cart, CartCaller, CartError, CartId, CartItem, CartItemId, CartOwner, CartService,
    MAX_LINE_QUANTITY, ProductRef,
};

/// Most lines a calculator prices without a cart.
const MAX_LOOSE_ITEMS: usize = 100;

/// What to price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteSource {
    Cart(CartId),
    /// Loose `(variant, quantity)` pairs, as a storefront without a server-side cart sends them.
    Items(Vec<(VariantId, i64)>),
}

/// A calculator's question.
#[derive(Debug, Clone)]
pub struct QuoteAsk<'a> {
    pub source: QuoteSource,
    pub caller: &'a CartCaller,
    pub destination: &'a Destination,
    pub shipping_method: Option<&'a str>,
    /// A code to try; without one, the cart's applied code (when it still applies).
    pub discount_code: Option<&'a str>,
    pub tax_id: Option<String>,
}

/// A method offered at the destination, priced for these lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingOption {
    pub code: String,
    pub name: String,
    pub price: Money,
    pub estimated_days_min: u32,
    pub estimated_days_max: u32,
}

/// Lines ready to quote, with what they come with.
struct Priced {
    currency: Currency,
    lines: Vec<QuoteLine>,
    discount: Option<Discount>,
    customer: Customer,
}

impl CartService {
    async fn priced(&self, ask: &QuoteAsk<'_>) -> Result<Priced, CartError> {
        let (currency, lines, cart_discount, key) = match &ask.source {
            QuoteSource::Cart(id) => {
                let cart = self.get(*id, ask.caller).await?;
                let customer = Self::customer_of(&cart);
                let view = self.view(cart, &customer).await?;
                let lines = Self::quote_lines(&view.cart, &view.lines);
                (view.cart.currency, lines, view.discount, customer.key)
            }
            QuoteSource::Items(items) => {
                let (currency, lines) = self.loose_lines(items).await?;
                (
                    currency,
                    lines,
                    None,
                    ask.caller.user.map(|u| u.to_string()),
                )
            }
        };
        let customer = Customer {
            key,
            tax_id: ask.tax_id.clone(),
        };
        // A code asked for is checked now; else the cart's code, as its view checked it.
        let discount = match ask.discount_code {
            Some(code) => {
                let subtotal = lines.iter().fold(0_i64, |acc, l| {
                    acc.saturating_add(l.unit_price.amount().saturating_mul(l.quantity))
                });
                Some(
                    self.pricing()
                        .usable_discount(code, currency, subtotal, &customer)
                        .await?,
                )
            }
            None => cart_discount,
        };
        Ok(Priced {
            currency,
            lines,
            discount,
            customer,
        })
    }

    /// Loose items at live prices: every product active and in one currency.
    async fn loose_lines(
        &self,
        items: &[(VariantId, i64)],
    ) -> Result<(Currency, Vec<QuoteLine>), CartError> {
        if items.is_empty() || items.len() > MAX_LOOSE_ITEMS {
            return Err(ValidationErrors::single(
                "cart_items",
                format!("must list 1 to {MAX_LOOSE_ITEMS} items"),
            )
            .into());
        }
        let mut currency = None;
        let mut lines: Vec<QuoteLine> = Vec::with_capacity(items.len());
        for (variant_id, quantity) in items {
            check_quantity(*quantity)?;
            let (product, _) = self.purchasable(ProductRef::Variant(*variant_id)).await?;
            let variant = product
                .variant(*variant_id)
                .ok_or_else(|| CartError::InvalidProduct("no such variant".into()))?;
            if *currency.get_or_insert(product.currency) != product.currency {
                return Err(CartError::InvalidProduct(
                    "all items must be priced in one currency".into(),
                ));
            }
            match lines.iter_mut().find(|l| l.variant_id == *variant_id) {
                Some(line) => {
                    line.quantity += quantity;
                    if line.quantity > MAX_LINE_QUANTITY {
                        return Err(CartError::QuantityInvalid(format!(
                            "at most {MAX_LINE_QUANTITY} of one variant"
                        )));
                    }
                }
                None => lines.push(QuoteLine {
                    variant_id: *variant_id,
                    unit_price: variant.price,
                    quantity: *quantity,
                    weight_grams: variant.weight_grams,
                }),
            }
        }
        let currency = currency.ok_or_else(|| CartError::InvalidProduct("no items".into()))?;
        Ok((currency, lines))
    }

    /// Loose items as a cart that is not stored (an order placed without a cart): the same
    /// checks as adding them to a cart, one line per variant, all in one currency.
    ///
    /// # Errors
    /// `validation_error` for no or too many items; the cart's item errors.
    pub async fn transient(
        &self,
        items: &[(VariantId, i64)],
        caller: &CartCaller,
    ) -> Result<Cart, CartError> {
        if items.is_empty() || items.len() > MAX_LOOSE_ITEMS {
            return Err(ValidationErrors::single(
                "items",
                format!("must list 1 to {MAX_LOOSE_ITEMS} items"),
            )
            .into());
        }
        let now = self.now();
        let mut cart: Option<Cart> = None;
        for (variant_id, quantity) in items {
            check_quantity(*quantity)?;
            let (product, _) = self.purchasable(ProductRef::Variant(*variant_id)).await?;
            let cart = cart.get_or_insert_with(|| Cart {
                id: CartId::new(),
                owner: caller
                    .owner()
                    .unwrap_or_else(|| CartOwner::Guest("transient".into())),
                currency: product.currency,
                items: Vec::new(),
                discount_code: None,
                created_at: now,
                updated_at: now,
                expires_at: now,
            });
            if product.currency != cart.currency {
                return Err(CartError::InvalidProduct(
                    "all items must be priced in one currency".into(),
                ));
            }
            match cart.items.iter_mut().find(|i| i.variant_id == *variant_id) {
                Some(item) => {
                    item.quantity += quantity;
                    check_quantity(item.quantity)?;
                }
                None => cart.items.push(CartItem {
                    id: CartItemId::new(),
                    product_id: product.id,
                    variant_id: *variant_id,
                    quantity: *quantity,
                    metadata: serde_json::Map::new(),
                    added_at: now,
                }),
            }
        }
        cart.ok_or_else(|| CartError::InvalidProduct("no items".into()))
    }

    /// The full breakdown for the destination (and method, when named).
    ///
    /// # Errors
    /// The cart's errors; the discount's rejection; `shipping_unavailable`.
    pub async fn quote(&self, ask: &QuoteAsk<'_>) -> Result<Quote, CartError> {
        let priced = self.priced(ask).await?;
        Ok(self
            .pricing()
            .quote(&QuoteRequest {
                currency: priced.currency,
                lines: &priced.lines,
                destination: Some(ask.destination),
                shipping_method: ask.shipping_method,
                discount: priced.discount.as_ref(),
                customer: &priced.customer,
            })
            .await?)
    }

    /// Every method offered at the destination, each priced for these lines.
    ///
    /// # Errors
    /// As for [`Self::quote`].
    pub async fn shipping_options(
        &self,
        ask: &QuoteAsk<'_>,
    ) -> Result<(Currency, Vec<ShippingOption>), CartError> {
        let priced = self.priced(ask).await?;
        let tables = self.pricing().tables().await?;
        let mut options = Vec::new();
        for (method, _) in tables.methods_for(ask.destination, priced.currency) {
            let quote = PricingService::quote_with(
                &tables,
                &QuoteRequest {
                    currency: priced.currency,
                    lines: &priced.lines,
                    destination: Some(ask.destination),
                    shipping_method: Some(&method.code),
                    discount: priced.discount.as_ref(),
                    customer: &priced.customer,
                },
            )?;
            options.push(ShippingOption {
                code: method.code.clone(),
                name: method.name.clone(),
                price: quote.shipping_total,
                estimated_days_min: method.estimated_days_min,
                estimated_days_max: method.estimated_days_max,
            });
        }
        Ok((priced.currency, options))
    }
}
