//! A cart priced for a destination: the order items, totals and discount a checkout locks.

use merx_cart::{Cart, CartError, CartService};
use merx_identity::UserId;
use merx_orders::{OrderItem, OrderTotals};
use merx_pricing::{Customer, Discount, QuoteRequest, Redemption};

use crate::checks::Delivery;
use crate::{CheckoutError, CheckoutService};

/// What an order locks from a priced cart.
#[derive(Debug, Clone)]
pub(crate) struct PricedCart {
    pub cart: Cart,
    pub items: Vec<OrderItem>,
    pub totals: OrderTotals,
    pub shipping_tax: i64,
    pub discount: Option<Discount>,
    pub customer: Customer,
    /// A tax was waived for the customer's tax id.
    pub tax_exempt: bool,
}

impl PricedCart {
    /// The tax id an order of this cart records: the one its tax was waived for.
    pub fn exempt_tax_id(&self) -> Option<String> {
        self.customer.tax_id.clone().filter(|_| self.tax_exempt)
    }

    /// The discount use an order of this cart counts.
    pub fn redemption(&self) -> Option<Redemption> {
        self.discount
            .as_ref()
            .map(|d| redemption_of(d, &self.customer))
    }
}

/// Who counts for per-customer discount limits: the user, or a guest's e-mail.
pub(crate) fn customer_key(user: Option<UserId>, email: &str) -> String {
    user.map_or_else(|| email.to_owned(), |u| u.to_string())
}

pub(crate) fn redemption_of(discount: &Discount, customer: &Customer) -> Redemption {
    Redemption {
        discount_id: discount.id,
        customer: customer.key.clone().unwrap_or_default(),
    }
}

impl CheckoutService {
    /// Prices the cart for the destination through the one quote function: every line must
    /// still be on sale, and `discount_code` (or the cart's own code) must apply.
    pub(crate) async fn price(
        &self,
        cart: Cart,
        delivery: &Delivery,
        discount_code: Option<&str>,
        tax_id: Option<String>,
    ) -> Result<PricedCart, CheckoutError> {
        if cart.items.is_empty() {
            return Err(CheckoutError::EmptyCart);
        }
        let customer = Customer {
            key: Some(customer_key(cart.user_id(), &delivery.email)),
            tax_id,
        };
        let item_count = cart.items.len();
        let view = self.carts.view(cart, &customer).await?;
        if let Some(line) = view.lines.iter().find(|l| !l.on_sale) {
            return Err(CartError::InvalidProduct(format!("{} is not for sale", line.sku)).into());
        }
        if view.lines.len() != item_count {
            return Err(CartError::InvalidProduct("a product in the cart is gone".into()).into());
        }
        let currency = view.cart.currency;
        let discount = match discount_code.map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => Some(
                self.pricing
                    .usable_discount(code, currency, view.quote.subtotal.amount(), &customer)
                    .await?,
            ),
            None => view.discount.clone(),
        };
        let quote_lines = CartService::quote_lines(&view.cart, &view.lines);
        let quote = self
            .pricing
            .quote(&QuoteRequest {
                currency,
                lines: &quote_lines,
                destination: Some(&delivery.destination),
                shipping_method: Some(&delivery.shipping_method),
                discount: discount.as_ref(),
                customer: &customer,
            })
            .await?;
        let items = view
            .lines
            .iter()
            .filter_map(|l| {
                let q = quote.lines.iter().find(|q| q.variant_id == l.variant_id)?;
                Some(OrderItem {
                    product_id: l.product_id,
                    variant_id: l.variant_id,
                    sku: l.sku.clone(),
                    name: l.name.clone(),
                    variant_name: l.variant_name.clone(),
                    image: l.image_url.clone(),
                    unit_price: q.unit_price.amount(),
                    quantity: q.quantity,
                    line_total: q.line_total.amount(),
                    discount: q.discount.amount(),
                    tax: q.tax.amount(),
                })
            })
            .collect();
        Ok(PricedCart {
            cart: view.cart,
            items,
            totals: OrderTotals {
                subtotal: quote.subtotal.amount(),
                discount_total: quote.discount_total.amount(),
                tax_total: quote.tax_total.amount(),
                shipping_total: quote.shipping_total.amount(),
                total: quote.grand_total.amount(),
            },
            shipping_tax: quote.shipping_tax.amount(),
            discount,
            customer,
            tax_exempt: quote.tax_exempt,
        })
    }
}
