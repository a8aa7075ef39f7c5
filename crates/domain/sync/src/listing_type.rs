//! Which type a product is listed as at the storefront (spec §13, §15): the rule in one place.

use merx_catalog::Product;

/// The two kinds of storefront product Merx writes (WooCommerce `simple` and `variable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingType {
    /// One purchasable product: price and stock on the product itself.
    Simple,
    /// A product whose variations carry the prices and stock.
    Variable,
}

impl ListingType {
    /// Ours: a product with exactly one variant is simple whatever its options (they become
    /// the product's attributes); two or more variants make a variable product.
    #[must_use]
    pub fn of(product: &Product) -> Self {
        if product.variants.len() == 1 {
            Self::Simple
        } else {
            Self::Variable
        }
    }

    /// The type written over a product the storefront already holds as `there` (linked, or
    /// found by SKU and adopted as it is; spec §15): it is updated in place, never refused for
    /// its type. A variable product stays variable (making it simple would orphan its
    /// variations), our one variant being one of its variations; a simple product takes our
    /// type, so it becomes variable in place, same id, when we have several variants. With
    /// nothing there, ours.
    #[must_use]
    pub fn over(self, there: Option<Self>) -> Self {
        match there {
            Some(Self::Variable) => Self::Variable,
            Some(Self::Simple) | None => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ListingType::{Simple, Variable};

    #[test]
    fn a_variable_product_there_stays_variable_and_a_simple_one_takes_ours() {
        assert_eq!(Simple.over(None), Simple);
        assert_eq!(Variable.over(None), Variable);
        assert_eq!(Simple.over(Some(Variable)), Variable);
        assert_eq!(Variable.over(Some(Variable)), Variable);
        assert_eq!(Simple.over(Some(Simple)), Simple);
        assert_eq!(Variable.over(Some(Simple)), Variable);
    }
}
