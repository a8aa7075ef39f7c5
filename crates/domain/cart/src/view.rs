use merx_kernel::{Money, ProductId, VariantId};
use merx_pricing::{Discount, Quote};

use crate::{Cart, CartItem};

/// A line as the client sees it: the catalog's live name, price and stock.
#[derive(Debug, Clone, PartialEq)]
pub struct LineView {
    pub item: CartItem,
    pub product_id: ProductId,
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub variant_name: String,
    pub image_url: Option<String>,
    pub unit_price: Money,
    pub line_total: Money,
    pub weight_grams: i64,
    /// The product is active and priced in the cart's currency: the line counts in totals.
    pub on_sale: bool,
    /// Whether the line can be bought as it is: the product is active, in the cart's
    /// currency, and enough is available.
    pub available: bool,
    /// Units that can still be sold (untracked variants: the line maximum).
    pub available_quantity: i64,
}

/// A cart priced now. Without an address there is no tax or shipping yet: the checkout
/// calculators and sessions add them through the same quote.
#[derive(Debug, Clone, PartialEq)]
pub struct CartView {
    pub cart: Cart,
    pub lines: Vec<LineView>,
    pub quote: Quote,
    /// The applied code when it still discounts this cart; a code that stopped applying
    /// (expired, used up, minimum no longer met) stays on the cart but discounts nothing.
    pub discount: Option<Discount>,
}

impl CartView {
    #[must_use]
    pub fn item_count(&self) -> i64 {
        self.lines.iter().map(|l| l.item.quantity).sum()
    }
}
