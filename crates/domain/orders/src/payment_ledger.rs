//! The money an order has taken and given back (spec §12): what the provider captured, and
//! each refund. Refunds never exceed captured − refunded; the order's `payment_status` and
//! `refunded_total` follow from here.

use serde::{Deserialize, Serialize};

use crate::PaymentStatus;

/// An order's captured and refunded amounts, in minor units of its currency. Refunds that are
/// still being made count as refunded, so two refunds racing never give back more than was
/// captured, and the provider's report of a refund we started is not counted again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentLedger {
    /// Authorised by the provider but not captured yet.
    pub authorized: i64,
    pub captured: i64,
    pub refunded: i64,
}

/// Why a refund cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RefundRefusal {
    /// Nothing was ever captured (`nothing_to_refund`).
    #[error("nothing is left to refund on this order")]
    NothingToRefund,
    /// More than is left, also when everything captured was given back already
    /// (`refund_exceeds_captured`, spec §15).
    #[error("at most {refundable} minor units can be refunded")]
    ExceedsCaptured { refundable: i64 },
    /// Zero or a negative amount.
    #[error("a refund is a positive amount")]
    NotPositive,
}

impl PaymentLedger {
    /// What can still be given back.
    #[must_use]
    pub fn refundable(&self) -> i64 {
        (self.captured - self.refunded).max(0)
    }

    /// The amount a refund gives back: `requested`, or all that is left when none is named.
    ///
    /// # Errors
    /// The [`RefundRefusal`] that stops it; then nothing is to be refunded.
    pub fn refund_amount(&self, requested: Option<i64>) -> Result<i64, RefundRefusal> {
        let refundable = self.refundable();
        match requested {
            _ if self.captured <= 0 => Err(RefundRefusal::NothingToRefund),
            _ if refundable == 0 => Err(RefundRefusal::ExceedsCaptured { refundable }),
            None => Ok(refundable),
            Some(n) if n <= 0 => Err(RefundRefusal::NotPositive),
            Some(n) if n > refundable => Err(RefundRefusal::ExceedsCaptured { refundable }),
            Some(n) => Ok(n),
        }
    }

    /// A refund the provider reports in total (a dashboard refund: Stripe's
    /// `charge.amount_refunded`) beyond what this ledger holds: the part to record, if any.
    /// Refunds Merx made itself are in the ledger already, so they are never counted twice.
    #[must_use]
    pub fn unrecorded_refund(&self, provider_refunded_total: i64) -> Option<i64> {
        let more = provider_refunded_total.min(self.captured) - self.refunded;
        (more > 0).then_some(more)
    }

    /// The payment status the ledger shows; `None` until something was captured (the order's
    /// own status — pending or failed — stands then).
    #[must_use]
    pub fn payment_status(&self) -> Option<PaymentStatus> {
        match (self.captured, self.refunded) {
            (0, _) => None,
            (_, 0) => Some(PaymentStatus::Paid),
            (c, r) if r < c => Some(PaymentStatus::PartiallyRefunded),
            _ => Some(PaymentStatus::Refunded),
        }
    }

    /// The ledger with `amount` more refunded.
    #[must_use]
    pub fn with_refund(self, amount: i64) -> Self {
        Self {
            refunded: self.refunded.saturating_add(amount),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid(captured: i64) -> PaymentLedger {
        PaymentLedger {
            captured,
            ..PaymentLedger::default()
        }
    }

    #[test]
    fn partial_refunds_add_up_to_what_was_captured_and_no_further() {
        let ledger = paid(10_000);
        assert_eq!(ledger.refund_amount(Some(3_000)), Ok(3_000));
        let ledger = ledger.with_refund(3_000);
        assert_eq!(
            ledger.payment_status(),
            Some(PaymentStatus::PartiallyRefunded)
        );
        assert_eq!(
            ledger.refund_amount(Some(7_001)),
            Err(RefundRefusal::ExceedsCaptured { refundable: 7_000 })
        );
        assert_eq!(ledger.refund_amount(None), Ok(7_000), "the rest by default");
        let ledger = ledger.with_refund(7_000);
        assert_eq!(ledger.payment_status(), Some(PaymentStatus::Refunded));
        assert_eq!(
            ledger.refund_amount(None),
            Err(RefundRefusal::ExceedsCaptured { refundable: 0 }),
            "after a full refund (spec §15)"
        );
    }

    #[test]
    fn nothing_captured_is_nothing_to_refund_and_amounts_are_positive() {
        assert_eq!(
            PaymentLedger::default().refund_amount(None),
            Err(RefundRefusal::NothingToRefund)
        );
        assert_eq!(PaymentLedger::default().payment_status(), None);
        assert_eq!(
            paid(500).refund_amount(Some(0)),
            Err(RefundRefusal::NotPositive)
        );
        assert_eq!(paid(500).payment_status(), Some(PaymentStatus::Paid));
    }

    #[test]
    fn a_providers_refund_total_is_recorded_once_never_on_top_of_ours() {
        let ours = paid(10_000).with_refund(4_000);
        assert_eq!(
            ours.unrecorded_refund(4_000),
            None,
            "our own refund, reported back"
        );
        assert_eq!(
            ours.unrecorded_refund(6_500),
            Some(2_500),
            "a dashboard refund on top"
        );
        let recorded = ours.with_refund(2_500);
        assert_eq!(
            recorded.unrecorded_refund(6_500),
            None,
            "the same report again"
        );
        assert_eq!(
            paid(1_000).unrecorded_refund(5_000),
            Some(1_000),
            "never more than was captured"
        );
    }
}
