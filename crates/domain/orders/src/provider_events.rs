//! What a payment provider's report does to an order (spec §12): money that disagrees, a
//! failed attempt, a refund made in the provider's dashboard, a dispute, a payment that came
//! after the order's time ran out. Each is a no-op when repeated, so a provider's retries and
//! out-of-order deliveries change an order at most once.

use merx_kernel::{Money, Timestamp};

use crate::{
    NewOrder, Order, OrderFlag, OrderStatus, PaymentStatus, Refund, RefundId, RefundStatus,
};

impl Order {
    /// Whether `paid` is exactly this order's total, in its currency. Anything else is never
    /// confirmed by the payment (it is flagged for an admin).
    #[must_use]
    pub fn is_settled_by(&self, paid: Money) -> bool {
        paid == Money::new(self.totals.total, self.currency)
    }

    /// Adds `flag` (once); whether it was new.
    pub fn flag(&mut self, flag: OrderFlag, now: Timestamp) -> bool {
        if self.flags.contains(&flag) {
            return false;
        }
        self.flags.push(flag);
        self.updated_at = now;
        true
    }

    /// A payment attempt failed: while the order still awaits payment it shows
    /// `payment_status: failed`, and it stays pending with its stock held for another try.
    /// Whether it changed.
    pub fn payment_failed(&mut self, now: Timestamp) -> bool {
        if !self.awaits_payment() || self.payment_status == PaymentStatus::Failed {
            return false;
        }
        self.payment_status = PaymentStatus::Failed;
        self.updated_at = now;
        true
    }

    /// The provider reports `provider_refunded_total` refunded on this order's payment (a
    /// refund made in its dashboard): the part the ledger does not hold yet becomes a
    /// succeeded refund. Refunds Merx made are in the ledger already, so none is counted
    /// twice; `None` when there is nothing new.
    pub fn provider_refund(
        &mut self,
        provider_refunded_total: i64,
        provider_ref: Option<String>,
        now: Timestamp,
    ) -> Option<Refund> {
        let amount = self.ledger.unrecorded_refund(provider_refunded_total)?;
        self.ledger = self.ledger.with_refund(amount);
        if let Some(status) = self.ledger.payment_status() {
            self.payment_status = status;
        }
        self.updated_at = now;
        Some(Refund {
            id: RefundId::new(),
            order_id: self.id,
            amount,
            currency: self.currency,
            status: RefundStatus::Succeeded,
            provider_ref,
            reason: Some("refunded at the provider".into()),
            restocked: false,
            created_at: now,
        })
    }

    /// A session's order whose payment disagrees with it (amount or currency): its units
    /// taken, but pending and unpaid, flagged `amount_mismatch` for an admin, who confirms it
    /// (recording the payment) or cancels it (the units go back).
    #[must_use]
    pub fn held_for_review(new: NewOrder, now: Timestamp) -> Self {
        let mut order = Self::placed(new, OrderStatus::Pending, now);
        order.stock_taken = true;
        order.flags.push(OrderFlag::AmountMismatch);
        order
    }

    /// A session paid after its reservation ended when its stock could not be reserved again:
    /// the order exists only to carry the money back (cancelled, flagged `paid_after_expiry`,
    /// `paid` captured in its ledger, to be refunded in full).
    #[must_use]
    pub fn paid_too_late(new: NewOrder, paid: i64, now: Timestamp) -> Self {
        let mut order = Self::placed(new, OrderStatus::Pending, now);
        order.accept_late_payment(paid, now);
        order
    }

    /// An order cancelled (its time to pay ran out) whose payment came anyway: it stays
    /// cancelled, its ledger captures `paid` so the money can go back, and it is flagged
    /// `paid_after_expiry`. Whether it changed (a repeat does not).
    pub fn accept_late_payment(&mut self, paid: i64, now: Timestamp) -> bool {
        if self.ledger.captured > 0 || self.flags.contains(&OrderFlag::PaidAfterExpiry) {
            return false;
        }
        if self.status != OrderStatus::Cancelled {
            self.status = OrderStatus::Cancelled;
            self.times.cancelled_at = Some(now);
            self.cancel_reason = Some(crate::CancelReason::PaymentTimeout);
        }
        self.payment_due_at = None;
        self.ledger.captured = paid;
        self.payment_status = PaymentStatus::Paid;
        self.paid_at = Some(now);
        self.flag(OrderFlag::PaidAfterExpiry, now);
        self.updated_at = now;
        true
    }
}

#[cfg(test)]
mod tests {
    use merx_kernel::{Currency, PostalAddress};

    use super::*;
    use crate::{OrderId, OrderNumber, OrderTotals};

    fn new_order(total: i64) -> NewOrder {
        let address = PostalAddress {
            name: "A".into(),
            phone: None,
            line1: "1".into(),
            line2: None,
            city: "C".into(),
            state: None,
            postal_code: "1".into(),
            country: "US".into(),
        };
        NewOrder {
            id: OrderId::new(),
            number: OrderNumber::new(2026, 1),
            user_id: None,
            email: "a@b.test".into(),
            currency: Currency::Usd,
            items: Vec::new(),
            totals: OrderTotals {
                subtotal: total,
                total,
                ..OrderTotals::default()
            },
            discount_code: None,
            shipping_address: address.clone(),
            billing_address: address,
            shipping_method: "standard".into(),
            payment_method: merx_kernel::PaymentMethod::Stripe,
            payment_provider_ref: Some("pi_1".into()),
            notes: None,
            checkout_id: None,
            token_hash: None,
            tax_id: None,
        }
    }

    #[test]
    fn only_the_exact_amount_in_the_orders_currency_settles_it() {
        let order = Order::confirmed(new_order(2_500), false, chrono::Utc::now());
        assert!(order.is_settled_by(Money::new(2_500, Currency::Usd)));
        assert!(!order.is_settled_by(Money::new(2_499, Currency::Usd)));
        assert!(!order.is_settled_by(Money::new(2_500, Currency::Eur)));
    }

    #[test]
    fn a_dashboard_refund_is_recorded_once_and_never_on_top_of_ours() {
        let now = chrono::Utc::now();
        let mut order = Order::confirmed(new_order(10_000), true, now);
        let ours = order
            .begin_refund(Some(3_000), None, false, now)
            .expect("ours");
        assert_eq!(ours.amount, 3_000);
        // Stripe reports our own refund: nothing new.
        assert_eq!(order.provider_refund(3_000, None, now), None);
        // Then 2,000 more from the dashboard, reported twice.
        let theirs = order
            .provider_refund(5_000, Some("re_2".into()), now)
            .expect("new");
        assert_eq!(theirs.amount, 2_000);
        assert_eq!(order.provider_refund(5_000, None, now), None);
        assert_eq!(order.ledger.refunded, 5_000);
        assert_eq!(order.payment_status, PaymentStatus::PartiallyRefunded);
    }

    #[test]
    fn a_failed_attempt_keeps_the_order_for_another_try() {
        let now = chrono::Utc::now();
        let mut order = Order::awaiting_payment(new_order(900), now, now);
        assert!(order.payment_failed(now));
        assert!(!order.payment_failed(now), "a repeat changes nothing");
        assert_eq!(order.payment_status, PaymentStatus::Failed);
        assert!(order.awaits_payment(), "it can still be paid");
        let mut paid = Order::confirmed(new_order(900), true, now);
        assert!(
            !paid.payment_failed(now),
            "a late failure never unpays an order"
        );
    }

    #[test]
    fn a_late_payment_on_a_cancelled_order_is_captured_once_to_be_refunded() {
        let now = chrono::Utc::now();
        let mut order = Order::awaiting_payment(new_order(900), now, now);
        order
            .cancel(crate::CancelReason::PaymentTimeout, now)
            .expect("cancels");
        assert!(order.accept_late_payment(900, now));
        assert!(!order.accept_late_payment(900, now));
        assert_eq!(order.status, OrderStatus::Cancelled);
        assert_eq!(order.flags, [OrderFlag::PaidAfterExpiry]);
        assert_eq!(order.ledger.refund_amount(None), Ok(900));
        let review = Order::held_for_review(new_order(900), now);
        assert_eq!(review.status, OrderStatus::Pending);
        assert!(review.stock_taken && review.awaits_payment());
        assert_eq!(review.flags, [OrderFlag::AmountMismatch]);
    }
}
