//! The lines a provider's payment page shows for an order's items: they add up to exactly
//! what Merx charges, so the provider's total is never a cent off ours.

use merx_orders::{OrderItem, OrderTotals};
use merx_payments::PaymentLine;

/// One line per item, then shipping and tax. Without a discount each item is its unit price
/// times its quantity; with one, each item is a single line of what it costs after its share
/// of the discount (the provider cannot show a negative line), the last taking the remainder.
#[must_use]
pub fn payment_lines(items: &[OrderItem], totals: &OrderTotals) -> Vec<PaymentLine> {
    let line_tax: i64 = items.iter().map(|i| i.tax).sum();
    let shipping_tax = totals.tax_total - line_tax;
    let mut lines: Vec<PaymentLine> = if totals.discount_total == 0 {
        items
            .iter()
            .map(|i| PaymentLine {
                name: i.name.clone(),
                unit_amount: i.unit_price,
                quantity: i.quantity,
            })
            .collect()
    } else {
        let after_discount = totals.subtotal - totals.discount_total;
        let mut left = after_discount;
        let n = items.len();
        items
            .iter()
            .enumerate()
            .map(|(k, i)| {
                let share = if k + 1 == n {
                    left
                } else if totals.subtotal == 0 {
                    0
                } else {
                    let s = i128::from(i.line_total) * i128::from(after_discount)
                        / i128::from(totals.subtotal);
                    i64::try_from(s).unwrap_or(0)
                };
                left -= share;
                PaymentLine {
                    name: format!("{} × {}", i.name, i.quantity),
                    unit_amount: share,
                    quantity: 1,
                }
            })
            .collect()
    };
    if totals.shipping_total > 0 {
        lines.push(PaymentLine {
            name: "Shipping".into(),
            unit_amount: totals.shipping_total,
            quantity: 1,
        });
    }
    if line_tax + shipping_tax > 0 {
        lines.push(PaymentLine {
            name: "Tax".into(),
            unit_amount: line_tax + shipping_tax,
            quantity: 1,
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use merx_kernel::{ProductId, VariantId};
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever the items, discount, tax and shipping, the provider's lines charge exactly
        /// our total, and no line is negative.
        #[test]
        fn the_lines_always_add_up_to_the_total(
            raw in prop::collection::vec((0_i64..1_000_000, 1_i64..=99, 0_i64..50_000), 1..20),
            discount_share in 0_u32..=100,
            shipping in 0_i64..100_000,
            shipping_tax in 0_i64..10_000,
        ) {
            let items: Vec<OrderItem> = raw
                .iter()
                .enumerate()
                .map(|(k, (unit, qty, tax))| item(&format!("Item {k}"), *unit, *qty, *tax))
                .collect();
            let subtotal: i64 = items.iter().map(|i| i.line_total).sum();
            let discount_total = subtotal * i64::from(discount_share) / 100;
            let tax_total = items.iter().map(|i| i.tax).sum::<i64>() + shipping_tax;
            let totals = OrderTotals {
                subtotal,
                discount_total,
                tax_total,
                shipping_total: shipping,
                total: subtotal - discount_total + tax_total + shipping,
            };
            let lines = payment_lines(&items, &totals);
            prop_assert!(lines.iter().all(|l| l.unit_amount >= 0 && l.quantity >= 1));
            prop_assert_eq!(sum(&lines), totals.total);
        }
    }

    fn item(name: &str, unit: i64, qty: i64, tax: i64) -> OrderItem {
        OrderItem {
            product_id: ProductId::new(),
            variant_id: VariantId::new(),
            sku: name.into(),
            name: name.into(),
            variant_name: String::new(),
            image: None,
            unit_price: unit,
            quantity: qty,
            line_total: unit * qty,
            discount: 0,
            tax,
        }
    }

    fn sum(lines: &[PaymentLine]) -> i64 {
        lines.iter().map(|l| l.unit_amount * l.quantity).sum()
    }

    #[test]
    fn the_lines_add_up_to_the_total_with_and_without_a_discount() {
        let items = [item("Mug", 1_299, 3, 300), item("Tea", 500, 1, 50)];
        let plain = OrderTotals {
            subtotal: 4_397,
            discount_total: 0,
            tax_total: 400,
            shipping_total: 499,
            total: 5_296,
        };
        let lines = payment_lines(&items, &plain);
        assert_eq!(lines.len(), 4);
        assert_eq!((lines[0].unit_amount, lines[0].quantity), (1_299, 3));
        assert_eq!(sum(&lines), plain.total);
        let discounted = OrderTotals {
            discount_total: 1_001,
            total: 4_295,
            ..plain
        };
        let lines = payment_lines(&items, &discounted);
        assert!(lines.iter().all(|l| l.unit_amount >= 0));
        assert_eq!(sum(&lines), discounted.total);
    }
}
