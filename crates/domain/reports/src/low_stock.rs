//! Variants running out.

use merx_inventory::StockLevel;
use merx_kernel::ProductId;

/// A variant with its stock, named as the shop knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantLevel {
    pub product_id: ProductId,
    pub product_name: String,
    pub sku: String,
    pub level: StockLevel,
}

/// The variants that are low ([`StockLevel::is_low_stock`]), fewest available first, then by
/// SKU. A store may hand over more than these (it filters only to read less).
#[must_use]
pub fn low_stock(mut variants: Vec<VariantLevel>) -> Vec<VariantLevel> {
    variants.retain(|v| v.level.is_low_stock());
    variants.sort_by(|a, b| (a.level.available(), &a.sku).cmp(&(b.level.available(), &b.sku)));
    variants
}
