//! Quote a cart with the catalog, cart and pricing domain crates on the in-memory adapters:
//! two bottles at ₩18,000, shipped to Seoul, with 10 % VAT.
//!
//! `cargo run --example quote_a_cart`

#[path = "shop/mod.rs"]
mod shop;

use merx_cart::{QuoteAsk, QuoteSource};
use merx_pricing::{Destination, Quote};

async fn quote() -> Quote {
    let shop = shop::open().await;
    let oil = shop.hair_oil(20).await;
    let guest = shop::guest();
    let cart = shop.cart_with(&guest, &oil, 2).await;
    let seoul = Destination::new("KR", None, Some("Seoul"), "04524", "").expect("a Korean address");
    shop.carts
        .quote(&QuoteAsk {
            source: QuoteSource::Cart(cart.id),
            caller: &guest,
            destination: &seoul,
            shipping_method: Some("standard"),
            discount_code: None,
            tax_id: None,
        })
        .await
        .expect("a quote")
}

#[tokio::main]
async fn main() {
    let q = quote().await;
    println!("subtotal  {}", q.subtotal);
    println!("shipping  {}", q.shipping_total);
    println!("tax       {}", q.tax_total);
    println!("total     {}", q.grand_total);
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn two_bottles_to_seoul_cost_what_the_rules_say() {
        let q = super::quote().await;
        assert_eq!(q.subtotal.amount(), 36_000);
        assert_eq!(q.shipping_total.amount(), 3_000, "under the free threshold");
        assert_eq!(q.tax_total.amount(), 3_900, "10 % of goods and of shipping");
        assert_eq!(q.grand_total.amount(), 42_900);
    }
}
