//! The buyer's return from a provider that waits for Merx to confirm the payment (Toss's
//! success redirect, spec §12): the amount is compared with ours before the provider is
//! called, the confirm carries an Idempotency-Key, and the payment then counts exactly as its
//! event would, so the session (or order) becomes its order once however often this comes.

use merx_kernel::{Money, ValidationErrors, has_control_chars};
use merx_orders::Order;
use merx_payments::{
    PaymentConfirmation, PaymentEvent, PaymentFact, PaymentMethod, PaymentSubject, ProviderStatus,
};

use crate::{CheckoutError, CheckoutId, CheckoutService};

impl CheckoutService {
    /// Confirms a payment the buyer authorised at `method`'s provider for `order_id` (the
    /// provider's order id of a session or order), of `amount` (the client's claim).
    ///
    /// # Errors
    /// `Validation` for an odd payment key; `NotFound` for an order id that is none of ours;
    /// `AmountMismatch` when `amount` is not ours (the provider is not called); the provider's
    /// refusal (`Payment(Declined)`, the stock stays held for another try).
    pub async fn confirm_authorized(
        &self,
        method: PaymentMethod,
        payment_ref: &str,
        order_id: &str,
        amount: i64,
    ) -> Result<Order, CheckoutError> {
        if payment_ref.is_empty() || payment_ref.len() > 200 || has_control_chars(payment_ref) {
            return Err(
                ValidationErrors::single("paymentKey", "must be 1 to 200 characters").into(),
            );
        }
        let subject = PaymentSubject::from_order_id(order_id).ok_or(CheckoutError::NotFound)?;
        let ours = self.amount_due(subject).await?;
        if amount != ours.amount() {
            return Err(CheckoutError::AmountMismatch(ours));
        }
        let gateway = self.payments.get(method.as_str())?;
        let state = gateway
            .confirm(&PaymentConfirmation {
                payment_ref: payment_ref.to_owned(),
                subject,
                amount: ours,
                idempotency_key: format!("merx-{order_id}-{payment_ref}-confirm"),
            })
            .await?;
        let Some(paid) = state
            .paid
            .filter(|_| state.status == ProviderStatus::Complete)
        else {
            return Err(CheckoutError::PaymentRequired);
        };
        self.apply_payment_event(&PaymentEvent {
            provider: method,
            id: format!("confirm:{payment_ref}"),
            kind: "confirm".into(),
            fact: PaymentFact::Paid {
                subject: Some(subject),
                amount: paid,
                payment_ref: Some(payment_ref.to_owned()),
            },
        })
        .await?;
        self.order_paid_for(subject).await
    }

    /// What a session or order costs.
    async fn amount_due(&self, subject: PaymentSubject) -> Result<Money, CheckoutError> {
        match subject {
            PaymentSubject::Checkout(id) => {
                let session = self
                    .store
                    .find_session(CheckoutId::from_uuid(id))
                    .await?
                    .ok_or(CheckoutError::NotFound)?;
                Ok(session.total())
            }
            PaymentSubject::Order(id) => {
                let order = self
                    .order_repo
                    .find(merx_orders::OrderId::from_uuid(id))
                    .await?
                    .ok_or(merx_orders::OrderError::NotFound)?;
                Ok(Money::new(order.totals.total, order.currency))
            }
        }
    }

    /// The order a paid session became, or the paid order itself.
    async fn order_paid_for(&self, subject: PaymentSubject) -> Result<Order, CheckoutError> {
        let id = match subject {
            PaymentSubject::Order(id) => merx_orders::OrderId::from_uuid(id),
            PaymentSubject::Checkout(id) => self
                .store
                .find_session(CheckoutId::from_uuid(id))
                .await?
                .and_then(|s| s.order_id)
                .ok_or(CheckoutError::PaymentRequired)?,
        };
        Ok(self
            .order_repo
            .find(id)
            .await?
            .ok_or(merx_orders::OrderError::NotFound)?)
    }
}
