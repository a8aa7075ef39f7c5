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
/// SKU: the order of the low-stock list (Postgres pages it the same way in SQL).
#[must_use]
pub fn low_stock(mut variants: Vec<VariantLevel>) -> Vec<VariantLevel> {
    variants.retain(|v| v.level.is_low_stock());
    variants.sort_by(|a, b| (a.level.available(), &a.sku).cmp(&(b.level.available(), &b.sku)));
    variants
}

#[cfg(test)]
mod tests {
    use super::*;
    use merx_inventory::StockSettings;
    use merx_kernel::VariantId;

    fn level(sku: &str, on_hand: i64, reserved: i64, threshold: i64, track: bool) -> VariantLevel {
        VariantLevel {
            product_id: ProductId::new(),
            product_name: "P".into(),
            sku: sku.into(),
            level: StockLevel {
                variant_id: VariantId::new(),
                on_hand,
                reserved,
                settings: StockSettings {
                    track_inventory: track,
                    low_stock_threshold: threshold,
                },
                updated_at: chrono::DateTime::default(),
            },
        }
    }

    #[test]
    fn tracked_variants_at_or_below_their_threshold_fewest_first() {
        let listed = low_stock(vec![
            level("B", 5, 0, 5, true),
            level("A", 5, 0, 5, true),
            level("C", 9, 8, 2, true),
            level("D", 0, 0, 0, false),
            level("E", 6, 0, 5, true),
        ]);
        let skus: Vec<&str> = listed.iter().map(|v| v.sku.as_str()).collect();
        assert_eq!(skus, ["C", "A", "B"]);
    }
}
