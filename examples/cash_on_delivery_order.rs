//! Place a cash-on-delivery order through the checkout service on the in-memory adapters:
//! open a session (prices locked, stock held), confirm it into its one order (stock taken,
//! cart emptied).
//!
//! `cargo run --example cash_on_delivery_order`

#[path = "shop/mod.rs"]
mod shop;

use merx_checkout::Confirmed;
use merx_payments::PaymentGateways;

/// The confirmed order and the bottles left on the shelf after it.
async fn order() -> (Confirmed, i64) {
    let shop = shop::open().await;
    let oil = shop.hair_oil(5).await;
    let guest = shop::guest();
    let cart = shop.cart_with(&guest, &oil, 2).await;
    let checkout = shop.checkout(PaymentGateways::cash_only());
    let session = checkout
        .open(
            shop::checkout_request(cart.id, "cash_on_delivery"),
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
