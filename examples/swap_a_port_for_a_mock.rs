//! Test your own code against the domain crates with mocked ports (the `mocks` feature of
//! each domain crate): here the catalog service reads a product and its stock from mockall
//! mocks instead of a database, so a test can say exactly what the store holds.
//!
//! `cargo run --example swap_a_port_for_a_mock`

use std::collections::BTreeMap;
use std::sync::Arc;

use merx_catalog::{
    Audience, CatalogService, MockProductRepository, Product, ProductStatus, StockedProduct,
    Variant,
};
use merx_inventory::{MockStockRepository, StockLevel, StockSettings};
use merx_kernel::{Currency, Money, ProductId, SystemClock, VariantId};

fn product() -> Product {
    let now = chrono::Utc::now();
    Product {
        id: ProductId::new(),
        name: "Silk Pillowcase".into(),
        slug: "silk-pillowcase".into(),
        description: None,
        short_description: None,
        category: None,
        tags: Vec::new(),
        images: Vec::new(),
        status: ProductStatus::Active,
        is_featured: false,
        currency: Currency::Usd,
        attributes: serde_json::Map::new(),
        seo_title: None,
        seo_description: None,
        variants: vec![Variant {
            id: VariantId::new(),
            sku: "SILK-PC".into(),
            name: "Default".into(),
            options: BTreeMap::new(),
            price: Money::new(8_900, Currency::Usd),
            compare_at_price: None,
            cost_price: None,
            weight_grams: 150,
            position: 0,
        }],
        reviews: Default::default(),
        created_at: now,
        updated_at: now,
    }
}

/// What the catalog answers when the store holds `on_hand` units and checkouts hold `held`.
async fn read(on_hand: i64, held: i64) -> StockedProduct {
    let p = product();
    let variant = p.variants[0].id;
    let mut products = MockProductRepository::new();
    products
        .expect_find()
        .times(1)
        .returning(move |_| Ok(Some(p.clone())));
    let mut stock = MockStockRepository::new();
    stock.expect_levels().times(1).returning(move |_, now| {
        Ok(vec![StockLevel {
            variant_id: variant,
            on_hand,
            reserved: held,
            settings: StockSettings::default(),
            updated_at: now,
        }])
    });
    let catalog = CatalogService::new(
        Arc::new(products),
        Arc::new(stock),
        Arc::new(SystemClock),
        Currency::Usd,
    );
    catalog
        .get(ProductId::new(), Audience::Public)
        .await
        .expect("the mocked product")
}

#[tokio::main]
async fn main() {
    let shown = read(3, 3).await;
    println!(
        "{}: in stock {}, low stock {}",
        shown.product.name,
        shown.is_in_stock(),
        shown.is_low_stock()
    );
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn units_held_by_checkouts_are_not_in_stock() {
        let all_held = super::read(3, 3).await;
        assert!(!all_held.is_in_stock());
        assert!(all_held.is_low_stock());
        let plenty = super::read(40, 3).await;
        assert!(plenty.is_in_stock() && !plenty.is_low_stock());
    }
}
