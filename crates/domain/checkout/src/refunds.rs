//! Refunds (spec §12): money given back through the order's provider, never more than was
//! captured, each exactly once: the refund is counted in the order's ledger (under its lock)
//! before the provider is called with an Idempotency-Key derived from the refund, and a
//! refusal gives the amount back.

use merx_kernel::audit::{Author, Target};
use merx_kernel::{Changes, Money, ValidationErrors, has_control_chars};
use merx_orders::{OrderId, OrderViewer, Refund};
use merx_payments::RefundRequest;

use crate::{CheckoutError, CheckoutService, RefundAsk, RefundBegun, RefundOutcome};

impl CheckoutService {
    /// Refunds `ask.amount` (all that is left when absent) of a paid order; with
    /// `ask.restock` its units go back to stock.
    ///
    /// # Errors
    /// `Validation` for an odd reason; `Order(NotFound)`; `Refund` when nothing is left or the
    /// amount exceeds it; the provider's refusal or failure (then nothing is refunded).
    pub async fn refund(
        &self,
        id: OrderId,
        ask: RefundAsk,
        by: &Author,
    ) -> Result<Refund, CheckoutError> {
        if ask
            .reason
            .as_deref()
            .is_some_and(|r| r.chars().count() > 500 || has_control_chars(r))
        {
            return Err(ValidationErrors::single(
                "reason",
                "must be at most 500 characters, without control characters",
            )
            .into());
        }
        let now = self.clock.now();
        let audit = by.entry(
            "order.refund",
            Target::new("order", id),
            Changes::default(),
            now,
        );
        let (refund, order) = match self.store.begin_refund(id, &ask, now, audit).await? {
            RefundBegun::Begun { refund, order } => (refund, order),
            RefundBegun::NotFound => return Err(merx_orders::OrderError::NotFound.into()),
            RefundBegun::Refused(why) => return Err(CheckoutError::Refund(why)),
        };
        let done = match self.payments.of(order.payment_method) {
            Ok(gateway) => {
                gateway
                    .refund(&RefundRequest {
                        payment_ref: order.payment_provider_ref.clone(),
                        amount: Money::new(refund.amount, order.currency),
                        reason: refund.reason.clone(),
                        idempotency_key: refund.id.idempotency_key(),
                    })
                    .await
            }
            Err(e) => Err(e),
        };
        let outcome = match &done {
            Ok(d) => RefundOutcome::Succeeded(d.provider_ref.clone()),
            Err(_) => RefundOutcome::Failed,
        };
        let stored = self
            .store
            .finish_refund(refund.id, &outcome, self.clock.now())
            .await?;
        done?;
        Ok(stored.unwrap_or(refund))
    }

    /// The order's refunds, oldest first.
    ///
    /// # Errors
    /// `Order(NotFound)` when the viewer may not see the order.
    pub async fn refunds(
        &self,
        id: OrderId,
        viewer: &OrderViewer,
    ) -> Result<Vec<Refund>, CheckoutError> {
        self.orders.get(id, viewer).await?;
        Ok(self.store.refunds(id).await?)
    }
}
