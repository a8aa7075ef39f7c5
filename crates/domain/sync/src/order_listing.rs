//! How an order of ours is pushed to the storefront (spec §13): never marked paid there
//! (`set_paid` would make WooCommerce take stock a second time), with an explicit status
//! instead, our ids in its metadata so it can be found again, and money in the order's
//! currency.

use merx_kernel::{Currency, Money, PostalAddress};
use merx_orders::{Order, OrderStatus, PaymentStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderLine {
    /// The storefront's product and variation ids.
    pub product: i64,
    pub variation: Option<i64>,
    pub quantity: i64,
    pub subtotal: Money,
    pub total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderListing {
    pub merx_order_id: String,
    pub number: String,
    /// The storefront's status: `processing` once paid, `on-hold` while payment is to come
    /// (cash on delivery), `completed` when delivered, `cancelled`.
    pub status: &'static str,
    pub currency: Currency,
    pub email: String,
    pub billing: PostalAddress,
    pub shipping: PostalAddress,
    pub payment_method: String,
    pub transaction_id: Option<String>,
    pub lines: Vec<OrderLine>,
    pub shipping_method: String,
    pub shipping_total: Money,
    /// Sent as a fee line, so the storefront's total is ours.
    pub tax_total: Money,
    pub customer_note: Option<String>,
}

impl OrderListing {
    /// `order` as pushed, its lines resolved by `remote` (our product and variant to the
    /// storefront's product and variation; `None` for a product that is not linked).
    #[must_use]
    pub fn of(
        order: &Order,
        remote: impl Fn(&merx_orders::OrderItem) -> Option<(i64, Option<i64>)>,
    ) -> Option<Self> {
        let money = |amount: i64| Money::new(amount, order.currency);
        let lines = order
            .items
            .iter()
            .map(|i| {
                remote(i).map(|(product, variation)| OrderLine {
                    product,
                    variation,
                    quantity: i.quantity,
                    subtotal: money(i.line_total),
                    total: money(i.line_total - i.discount),
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            merx_order_id: order.id.to_string(),
            number: order.number.to_string(),
            status: status_of(order),
            currency: order.currency,
            email: order.email.clone(),
            billing: order.billing_address.clone(),
            shipping: order.shipping_address.clone(),
            payment_method: order.payment_method.as_str().to_owned(),
            transaction_id: order.payment_provider_ref.clone(),
            lines,
            shipping_method: order.shipping_method.clone(),
            shipping_total: money(order.totals.shipping_total),
            tax_total: money(order.totals.tax_total),
            customer_note: order.notes.clone(),
        })
    }
}

fn status_of(order: &Order) -> &'static str {
    match order.status {
        OrderStatus::Cancelled => "cancelled",
        OrderStatus::Delivered => "completed",
        _ if order.payment_status == PaymentStatus::Refunded => "refunded",
        _ if order.paid_at.is_some() => "processing",
        _ => "on-hold",
    }
}
