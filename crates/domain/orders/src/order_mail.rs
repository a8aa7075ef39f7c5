//! The customer's emails about an order (spec §13): written from templates with a plain-text
//! and an HTML part, amounts in the order's currency (`₩28,000`, `$344.98`, `JOD 5.000`), and
//! delivered from the outbox ([`crate::outbound::ORDER_EMAIL`]) through the mailer port.

use std::sync::Arc;

use async_trait::async_trait;
use merx_identity::{Email, Mailer, OutgoingEmail};
use merx_kernel::outbox::OutboxMessage;
use merx_kernel::outbox_delivery::Deliver;
use merx_kernel::{Money, PostalAddress};

use crate::outbound::{OrderMail, OrderMailKind};
use crate::{Order, OrderRepository};

struct Template {
    subject: &'static str,
    text: &'static str,
    html: &'static str,
}

const fn template(kind: OrderMailKind) -> Template {
    match kind {
        OrderMailKind::Confirmed => Template {
            subject: "Your order {number} is confirmed",
            text: include_str!("../templates/confirmed.txt"),
            html: include_str!("../templates/confirmed.html"),
        },
        OrderMailKind::PaymentFailed => Template {
            subject: "The payment for your order {number} did not go through",
            text: include_str!("../templates/payment_failed.txt"),
            html: include_str!("../templates/payment_failed.html"),
        },
        OrderMailKind::Shipped => Template {
            subject: "Your order {number} has shipped",
            text: include_str!("../templates/shipped.txt"),
            html: include_str!("../templates/shipped.html"),
        },
        OrderMailKind::RefundMade => Template {
            subject: "A refund for your order {number}",
            text: include_str!("../templates/refund_made.txt"),
            html: include_str!("../templates/refund_made.html"),
        },
    }
}

/// The mail `mail` asks for about `order`, addressed to the order's email.
///
/// # Errors
/// When the order's email is not a deliverable address.
pub fn render(mail: &OrderMail, order: &Order, key: &str) -> Result<OutgoingEmail, String> {
    let to = Email::parse(&order.email).map_err(|e| format!("order email: {e}"))?;
    let t = template(mail.kind);
    let money = |amount: i64| Money::new(amount, order.currency).for_people();
    let items_text: String = order
        .items
        .iter()
        .map(|i| format!("{} × {} — {}\n", i.quantity, title(i), money(i.line_total)))
        .collect();
    let items_html: String = order
        .items
        .iter()
        .map(|i| {
            format!(
                "<li>{} × {} — {}</li>",
                i.quantity,
                escape(&title(i)),
                money(i.line_total)
            )
        })
        .collect();
    let values = |html: bool| {
        let plain = |s: String| if html { escape(&s) } else { s };
        vec![
            ("{name}", plain(order.shipping_address.name.clone())),
            ("{number}", order.number.to_string()),
            ("{total}", money(order.totals.total)),
            ("{amount}", money(mail.amount.unwrap_or(0))),
            (
                "{tracking_number}",
                plain(order.tracking_number.clone().unwrap_or_default()),
            ),
            (
                "{address}",
                if html {
                    address_lines(&order.shipping_address)
                        .iter()
                        .map(|l| escape(l))
                        .collect::<Vec<_>>()
                        .join("<br>")
                } else {
                    address_lines(&order.shipping_address).join("\n")
                },
            ),
            (
                "{items}",
                if html {
                    items_html.clone()
                } else {
                    items_text.clone()
                },
            ),
        ]
    };
    Ok(OutgoingEmail {
        to,
        subject: fill(t.subject, &values(false)),
        body: fill(t.text, &values(false)),
        html: Some(fill(t.html, &values(true))),
        token: None,
        key: Some(key.to_owned()),
    })
}

fn title(item: &crate::OrderItem) -> String {
    if item.variant_name.is_empty() || item.variant_name == item.name {
        item.name.clone()
    } else {
        format!("{} ({})", item.name, item.variant_name)
    }
}

fn address_lines(a: &PostalAddress) -> Vec<String> {
    let mut lines = vec![a.name.clone(), a.line1.clone()];
    lines.extend(a.line2.clone());
    let mut city = format!("{} {}", a.postal_code, a.city);
    if let Some(state) = &a.state {
        city = format!("{city}, {state}");
    }
    lines.push(city);
    lines.push(a.country.clone());
    lines
}

fn fill(template: &str, values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (name, value)| {
            text.replace(name, value)
        })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Delivers [`crate::outbound::ORDER_EMAIL`] messages: reads the order, writes its mail and
/// hands it to the mailer. A mail about an order that no longer exists is dropped (nothing
/// to tell); a mailer failure is a failed attempt, retried by the outbox.
pub struct OrderMails {
    orders: Arc<dyn OrderRepository>,
    mailer: Arc<dyn Mailer>,
}

impl OrderMails {
    #[must_use]
    pub fn new(orders: Arc<dyn OrderRepository>, mailer: Arc<dyn Mailer>) -> Self {
        Self { orders, mailer }
    }
}

#[async_trait]
impl Deliver for OrderMails {
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), String> {
        let mail: OrderMail = serde_json::from_value(message.payload.clone())
            .map_err(|e| format!("order mail payload: {e}"))?;
        let Some(order) = self
            .orders
            .find(mail.order_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            tracing::warn!(order = %mail.order_id, "order mail for an order that is gone: dropped");
            return Ok(());
        };
        let email = render(&mail, &order, &message.key)?;
        self.mailer.send(&email).await.map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::example_order;

    fn mail(kind: OrderMailKind, amount: Option<i64>) -> OrderMail {
        OrderMail {
            kind,
            order_id: example_order().id,
            amount,
        }
    }

    #[test]
    fn a_confirmation_has_both_parts_with_the_total_in_the_orders_currency() {
        let mut order = example_order();
        order.shipping_address.name = "Ada <Buyer>".into();
        let email = render(&mail(OrderMailKind::Confirmed, None), &order, "k1").unwrap();
        assert_eq!(email.to.as_str(), "ada@example.test");
        assert_eq!(email.subject, "Your order MRX-2026-000001 is confirmed");
        assert!(email.body.contains("Total: $344.98"), "{}", email.body);
        assert!(email.body.contains("Hello Ada <Buyer>,"));
        let html = email.html.unwrap();
        assert!(html.contains("<strong>$344.98</strong>"), "{html}");
        assert!(html.contains("Ada &lt;Buyer&gt;"), "escaped: {html}");
        assert_eq!(email.key.as_deref(), Some("k1"));
    }

    #[test]
    fn won_dinar_tracking_and_refunds_read_as_people_write_them() {
        let mut order = example_order();
        order.currency = merx_kernel::Currency::Krw;
        order.totals.total = 28_000;
        order.tracking_number = Some("1Z999".into());
        let shipped = render(&mail(OrderMailKind::Shipped, None), &order, "k").unwrap();
        assert!(shipped.body.contains("Tracking number: 1Z999"));
        let refund = render(&mail(OrderMailKind::RefundMade, Some(5_000)), &order, "k").unwrap();
        assert!(refund.body.contains("refunded ₩5,000"), "{}", refund.body);
        assert!(refund.body.contains("Order total: ₩28,000"));
        order.currency = merx_kernel::Currency::Jod;
        order.totals.total = 5_000;
        let failed = render(&mail(OrderMailKind::PaymentFailed, None), &order, "k").unwrap();
        assert!(failed.body.contains("(JOD 5.000)"), "{}", failed.body);
        assert!(failed.body.contains("cart is kept"));
    }
}
