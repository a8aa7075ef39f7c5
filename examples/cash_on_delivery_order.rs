//! Place a cash-on-delivery order through the checkout service on the in-memory adapters:
//! open a session (prices locked, stock held), confirm it into its one order (stock taken,
//! cart emptied).
//!
//! `cargo run --example cash_on_delivery_order`

#[path = "shop/mod.rs"]
mod shop;

use std::sync::Arc;

use merx_checkout::{CheckoutPorts, CheckoutRequest, CheckoutService, Confirmed, Settings};
use merx_kernel::PostalAddress;
use merx_memory::MemoryCheckout;
use merx_payments::PaymentGateways;

/// The confirmed order and the bottles left on the shelf after it.
async fn order() -> (Confirmed, i64) {
    let shop = shop::open().await;
    let oil = shop.hair_oil(5).await;
    let guest = shop::guest();
    let cart = shop.cart_with(&guest, &oil, 2).await;
    let store = Arc::new(MemoryCheckout::new(
        shop.stock.clone(),
        shop.memory_carts.clone(),
        shop.discounts.clone(),
    ));
    let checkout = CheckoutService::new(
        CheckoutPorts {
            store: store.clone(),
            orders: store,
            stock: shop.stock.clone(),
            carts: shop.carts.clone(),
            pricing: shop.pricing.clone(),
            payments: PaymentGateways::cash_only(),
            clock: shop.clock.clone(),
        },
        Settings::default(),
    );
    let session = checkout
        .open(
            CheckoutRequest {
                cart_id: cart.id,
                email: Some("minji@example.kr".into()),
                shipping_address: PostalAddress {
                    name: "Kim Minji".into(),
                    phone: Some("010-1234-5678".into()),
                    line1: "1 Sejong-daero".into(),
                    line2: None,
                    city: "Seoul".into(),
                    state: None,
                    postal_code: "04524".into(),
                    country: "KR".into(),
                },
                billing_address: None,
                shipping_method: "standard".into(),
                discount_code: None,
                payment_method: "cash_on_delivery".into(),
                success_url: None,
                cancel_url: None,
                mode: None,
                metadata: None,
                tax_id: None,
            },
            &guest,
            None,
        )
        .await
        .expect("a session");
    let confirmed = checkout
        .confirm(session.id, &guest)
        .await
        .expect("an order");
    let left = shop
        .catalog
        .get(oil.product.id, merx_catalog::Audience::Admin)
        .await
        .expect("the product")
        .levels[0]
        .on_hand;
    (confirmed, left)
}

#[tokio::main]
async fn main() {
    let (confirmed, left) = order().await;
    let o = &confirmed.order;
    println!(
        "order {} {} / {}: {} {}",
        o.number,
        o.status.as_str(),
        o.payment_status.as_str(),
        o.totals.total,
        o.currency.code()
    );
    println!("bottles left: {left}");
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn confirming_makes_one_confirmed_order_and_takes_the_stock() {
        let (confirmed, left) = super::order().await;
        assert!(confirmed.created);
        assert_eq!(confirmed.order.status.as_str(), "confirmed");
        assert_eq!(confirmed.order.payment_status.as_str(), "pending");
        assert_eq!(confirmed.order.totals.total, 42_900);
        assert_eq!(left, 3);
    }
}
