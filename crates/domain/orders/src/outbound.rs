//! What a change of an order tells the world outside Merx (spec §13): the customer's emails
//! and the push of a paid order to WooCommerce, as outbox messages that a store writes in the
//! same transaction as the change. Stores call these at every write of an order with the order
//! before and after, so no path (checkout, a provider event, an admin's edit) can miss one.
//!
//! ```
//! use merx_orders::outbound::{ORDER_EMAIL, Outbound};
//! # let order = merx_orders::outbound::example_order();
//! let outbound = Outbound { email: true, woocommerce: false };
//! // A new confirmed order: its confirmation mail; WooCommerce is not configured, so no push.
//! let messages = outbound.order_changed(None, &order, order.created_at);
//! assert_eq!(messages.len(), 1);
//! assert_eq!(messages[0].topic, ORDER_EMAIL);
//! ```

use merx_kernel::Timestamp;
use merx_kernel::outbox::OutboxMessage;
use serde::{Deserialize, Serialize};

use crate::{Order, OrderId, OrderStatus, PaymentStatus, Refund, RefundStatus};

/// The topic of a customer's email about an order; the payload is an [`OrderMail`].
pub const ORDER_EMAIL: &str = "email.order";
/// The topic of a paid order's push to WooCommerce; the payload is `{order_id}`.
pub const WOOCOMMERCE_ORDER: &str = "woocommerce.order";

/// The topic of a synced product's stock push; the payload is `{product_id}`. Written by the
/// stock stores with each change of on-hand stock of a product linked to WooCommerce.
pub const WOOCOMMERCE_STOCK: &str = "woocommerce.stock";

/// The receivers that are configured: a message for one that is not is never written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outbound {
    /// Customer emails (always on in the app: the log mailer stands in for SMTP).
    pub email: bool,
    pub woocommerce: bool,
}

/// Which email an order's customer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderMailKind {
    Confirmed,
    PaymentFailed,
    Shipped,
    RefundMade,
}

impl OrderMailKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::PaymentFailed => "payment_failed",
            Self::Shipped => "shipped",
            Self::RefundMade => "refund_made",
        }
    }
}

/// An [`ORDER_EMAIL`] message's payload. The mail is written when it is delivered, from the
/// order as it is then (its number, address and tracking number), except what only the cause
/// knew: the amount of a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMail {
    pub kind: OrderMailKind,
    pub order_id: OrderId,
    /// The refund's amount, minor units of the order's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
}

impl Outbound {
    /// The messages that an order's change from `before` (none for a new order) to `after`
    /// causes: its confirmation when it becomes confirmed (placed so, or paid after being
    /// placed to await payment), its push to WooCommerce when it is first paid, a payment
    /// failure, its shipping.
    #[must_use]
    pub fn order_changed(
        self,
        before: Option<&Order>,
        after: &Order,
        now: Timestamp,
    ) -> Vec<OutboxMessage> {
        let mut out = Vec::new();
        let was = |check: fn(&Order) -> bool| before.is_some_and(check);
        let confirmed = after.status == OrderStatus::Confirmed
            && before.is_none_or(|b| b.status == OrderStatus::Pending);
        if confirmed {
            self.mail(&mut out, after.id, OrderMailKind::Confirmed, None, now);
        }
        let failed = |o: &Order| o.payment_status == PaymentStatus::Failed;
        if failed(after) && !was(failed) {
            self.mail(&mut out, after.id, OrderMailKind::PaymentFailed, None, now);
        }
        let shipped = |o: &Order| o.status == OrderStatus::Shipped;
        if shipped(after) && !was(shipped) {
            self.mail(&mut out, after.id, OrderMailKind::Shipped, None, now);
        }
        // First paid: a refund and its failure move the payment status back and forth, never
        // the time it was paid.
        let paid = |o: &Order| o.paid_at.is_some();
        if self.woocommerce && paid(after) && !was(paid) {
            out.push(OutboxMessage::new(
                WOOCOMMERCE_ORDER,
                &format!("order:{}", after.id),
                serde_json::json!({ "order_id": after.id }),
                now,
            ));
        }
        out
    }

    /// The messages of a change of on-hand stock of `products` (those linked to the
    /// storefront): each product's stock is pushed (the receiver sends what can be sold then).
    #[must_use]
    pub fn stock_changed(
        self,
        products: &[merx_kernel::ProductId],
        now: Timestamp,
    ) -> Vec<OutboxMessage> {
        if !self.woocommerce {
            return Vec::new();
        }
        products
            .iter()
            .map(|p| {
                OutboxMessage::new(
                    WOOCOMMERCE_STOCK,
                    &format!("product:{p}:stock"),
                    serde_json::json!({ "product_id": p }),
                    now,
                )
            })
            .collect()
    }

    /// The messages of a refund as stored: its mail once the money went back.
    #[must_use]
    pub fn refund_changed(self, refund: &Refund, now: Timestamp) -> Vec<OutboxMessage> {
        let mut out = Vec::new();
        if refund.status == RefundStatus::Succeeded {
            self.mail(
                &mut out,
                refund.order_id,
                OrderMailKind::RefundMade,
                Some((refund.id.to_string(), refund.amount)),
                now,
            );
        }
        out
    }

    fn mail(
        self,
        out: &mut Vec<OutboxMessage>,
        order_id: OrderId,
        kind: OrderMailKind,
        refund: Option<(String, i64)>,
        now: Timestamp,
    ) {
        if !self.email {
            return;
        }
        let key = match &refund {
            Some((id, _)) => format!("order:{order_id}:{}:{id}", kind.as_str()),
            None => format!("order:{order_id}:{}", kind.as_str()),
        };
        let payload = OrderMail {
            kind,
            order_id,
            amount: refund.map(|(_, amount)| amount),
        };
        out.push(OutboxMessage::new(
            ORDER_EMAIL,
            &key,
            serde_json::to_value(payload).unwrap_or_default(),
            now,
        ));
    }
}

/// A confirmed, paid order (for examples and tests).
#[doc(hidden)]
#[must_use]
pub fn example_order() -> Order {
    crate::order::example_order()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OrderEdit, Settlement};

    const ALL: Outbound = Outbound {
        email: true,
        woocommerce: true,
    };

    fn kinds(messages: &[OutboxMessage]) -> Vec<String> {
        messages
            .iter()
            .map(|m| match m.payload.get("kind") {
                Some(kind) => format!("{}:{}", m.topic, kind.as_str().unwrap_or("")),
                None => m.topic.clone(),
            })
            .collect()
    }

    #[test]
    fn a_paid_new_order_is_confirmed_by_mail_and_pushed() {
        let order = example_order();
        let messages = ALL.order_changed(None, &order, order.created_at);
        assert_eq!(
            kinds(&messages),
            ["email.order:confirmed", "woocommerce.order"]
        );
        let mail: OrderMail = serde_json::from_value(messages[0].payload.clone()).unwrap();
        assert_eq!(mail.order_id, order.id);
    }

    #[test]
    fn unconfigured_receivers_get_no_message() {
        let order = example_order();
        assert!(
            Outbound::default()
                .order_changed(None, &order, order.created_at)
                .is_empty()
        );
    }

    #[test]
    fn an_order_awaiting_payment_is_confirmed_and_pushed_when_paid_and_only_then() {
        let mut order = example_order();
        order.status = OrderStatus::Pending;
        order.payment_status = PaymentStatus::Pending;
        order.ledger = crate::PaymentLedger::default();
        order.paid_at = None;
        order.stock_taken = false;
        order.payment_due_at = Some(order.created_at + chrono::Duration::minutes(15));
        let now = order.created_at;
        assert!(ALL.order_changed(None, &order, now).is_empty());
        let before = order.clone();
        order
            .confirm_payment(
                &Settlement {
                    method: merx_kernel::PaymentMethod::Stripe,
                    paid: true,
                    provider_ref: Some("pi_1".into()),
                },
                now,
            )
            .unwrap();
        assert_eq!(
            kinds(&ALL.order_changed(Some(&before), &order, now)),
            ["email.order:confirmed", "woocommerce.order"]
        );
        // The same state written again (a repeated event) tells nothing new.
        assert!(ALL.order_changed(Some(&order), &order, now).is_empty());
    }

    #[test]
    fn shipping_a_payment_failure_and_a_refund_each_mail_once() {
        let order = example_order();
        let now = order.created_at;
        let mut shipped = order.clone();
        shipped
            .apply(
                &OrderEdit {
                    status: Some(OrderStatus::Processing),
                    ..OrderEdit::default()
                },
                now,
            )
            .unwrap();
        let processing = shipped.clone();
        shipped
            .apply(
                &OrderEdit {
                    status: Some(OrderStatus::Shipped),
                    tracking_number: Some(Some("TRACK-1".into())),
                    ..OrderEdit::default()
                },
                now,
            )
            .unwrap();
        assert_eq!(
            kinds(&ALL.order_changed(Some(&processing), &shipped, now)),
            ["email.order:shipped"]
        );
        assert!(ALL.order_changed(Some(&shipped), &shipped, now).is_empty());

        let mut failed = order.clone();
        failed.payment_status = PaymentStatus::Failed;
        assert_eq!(
            kinds(&ALL.order_changed(Some(&order), &failed, now)),
            ["email.order:payment_failed"]
        );

        let mut paid = order.clone();
        let mut refund = paid.begin_refund(Some(100), None, false, now).unwrap();
        assert!(ALL.refund_changed(&refund, now).is_empty(), "pending");
        refund.status = RefundStatus::Succeeded;
        let messages = ALL.refund_changed(&refund, now);
        assert_eq!(kinds(&messages), ["email.order:refund_made"]);
        assert_eq!(messages[0].payload["amount"], 100);
    }
}
