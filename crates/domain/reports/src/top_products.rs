//! The best-selling products of a period, by units or by revenue in one currency.

use std::collections::BTreeMap;

use merx_kernel::{Currency, ProductId, Timestamp};

/// What one product sold in one currency, as a store adds it up over the period's sold orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductSales {
    pub product_id: ProductId,
    pub currency: Currency,
    /// The name on the most recently sold item, and when it sold.
    pub name: String,
    pub last_sold_at: Timestamp,
    pub units: i64,
    /// Items' line totals less their discounts: goods after discounts, before tax.
    pub revenue: i64,
}

/// How top products are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopBy {
    Units,
    /// Revenue in this currency.
    Revenue(Currency),
}

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 100;

/// One product's place in the ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopProduct {
    pub product_id: ProductId,
    pub name: String,
    pub units: i64,
    /// Per currency, in currency-code order.
    pub revenue: Vec<(Currency, i64)>,
}

impl TopProduct {
    fn revenue_in(&self, currency: Currency) -> i64 {
        self.revenue
            .iter()
            .find(|(c, _)| *c == currency)
            .map_or(0, |(_, a)| *a)
    }
}

/// Merges each product's currencies and ranks them: by units, or by revenue in a currency
/// then units; ties by product id.
#[must_use]
pub fn top_products(sales: Vec<ProductSales>, by: TopBy, limit: usize) -> Vec<TopProduct> {
    let mut products: BTreeMap<ProductId, (TopProduct, Timestamp)> = BTreeMap::new();
    for s in sales {
        let (p, newest) = products.entry(s.product_id).or_insert_with(|| {
            (
                TopProduct {
                    product_id: s.product_id,
                    name: s.name.clone(),
                    units: 0,
                    revenue: Vec::new(),
                },
                s.last_sold_at,
            )
        });
        p.units += s.units;
        p.revenue.push((s.currency, s.revenue));
        if s.last_sold_at > *newest {
            *newest = s.last_sold_at;
            p.name = s.name;
        }
    }
    let mut ranked: Vec<TopProduct> = products
        .into_values()
        .map(|(mut p, _)| {
            p.revenue.sort_by_key(|(c, _)| c.code());
            p
        })
        .collect();
    ranked.sort_by(|a, b| {
        let key = |p: &TopProduct| match by {
            TopBy::Units => (p.units, 0),
            TopBy::Revenue(c) => (p.revenue_in(c), p.units),
        };
        key(b).cmp(&key(a)).then(a.product_id.cmp(&b.product_id))
    });
    ranked.truncate(limit.clamp(1, MAX_LIMIT));
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sold(
        p: ProductId,
        c: Currency,
        name: &str,
        secs: i64,
        units: i64,
        revenue: i64,
    ) -> ProductSales {
        ProductSales {
            product_id: p,
            currency: c,
            name: name.into(),
            last_sold_at: chrono::DateTime::from_timestamp(secs, 0).expect("time"),
            units,
            revenue,
        }
    }

    #[test]
    fn currencies_merge_per_product_and_the_newest_name_wins() {
        let a = ProductId::new();
        let b = ProductId::new();
        let sales = vec![
            sold(a, Currency::Usd, "Old name", 1, 2, 2000),
            sold(a, Currency::Krw, "New name", 2, 1, 30_000),
            sold(b, Currency::Usd, "Other", 1, 5, 1000),
        ];
        let by_units = top_products(sales.clone(), TopBy::Units, 10);
        assert_eq!(by_units[0].product_id, b);
        assert_eq!(
            (by_units[1].units, by_units[1].name.as_str()),
            (3, "New name")
        );
        assert_eq!(
            by_units[1].revenue,
            [(Currency::Krw, 30_000), (Currency::Usd, 2000)]
        );
        let by_usd = top_products(sales.clone(), TopBy::Revenue(Currency::Usd), 10);
        assert_eq!(by_usd[0].product_id, a);
        assert_eq!(top_products(sales, TopBy::Units, 1).len(), 1);
    }
}
