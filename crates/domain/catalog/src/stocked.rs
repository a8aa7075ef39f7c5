use merx_inventory::StockLevel;
use merx_kernel::VariantId;

use crate::Product;

/// A product with the stock levels of its variants as of one moment: what every read of the
/// catalog answers, so the stock flags are decided here once.
#[derive(Debug, Clone, PartialEq)]
pub struct StockedProduct {
    pub product: Product,
    /// One per variant that has a level, in any order.
    pub levels: Vec<StockLevel>,
}

impl StockedProduct {
    /// The variant's level, if it has one.
    #[must_use]
    pub fn level(&self, variant: VariantId) -> Option<&StockLevel> {
        self.levels.iter().find(|l| l.variant_id == variant)
    }

    /// Some variant can be sold now (what the `in_stock` filter selects).
    #[must_use]
    pub fn is_in_stock(&self) -> bool {
        merx_inventory::is_in_stock(&self.levels)
    }

    /// Some tracked variant is at or below its low-stock threshold.
    #[must_use]
    pub fn is_low_stock(&self) -> bool {
        merx_inventory::is_low_stock(&self.levels)
    }
}

/// One variant's stock, named the way the inventory endpoints show it.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantStock {
    pub product_id: merx_kernel::ProductId,
    pub sku: String,
    pub level: StockLevel,
}
