//! The buyer's return from a provider that waits for Merx to confirm the payment (Toss's
//! success redirect, spec §12): the amount is compared with ours before the provider is
//! called, the confirm carries an Idempotency-Key, and the payment then counts exactly as its
//! event would, so the session (or order) becomes its order once however often this comes.

use merx_cart::CartCaller;
use merx_kernel::{Money, ValidationErrors, has_control_chars};
use merx_orders::{Order, OrderViewer};
use merx_payments::{
    PaymentConfirmation, PaymentEvent, PaymentFact, PaymentMethod, PaymentState, PaymentSubject,
    ProviderStatus,
};

use crate::{CheckoutError, CheckoutId, CheckoutService};

/// Who confirms a payment: the caller, and the guest's order token for an order placed first
/// (its SHA-256, as orders keep it).
#[derive(Debug, Clone, Default)]
pub struct Confirmer {
    pub caller: CartCaller,
    pub order_token_hash: Option<String>,
}

/// Spec §17: what a provider reports paid counts only for the session or order it names, and
/// only for our money. `subject` is the one asked about, `ours` what it costs.
///
/// # Errors
/// `PaymentMismatch` naming what differs.
pub fn paid_for(
    state: &PaymentState,
    subject: PaymentSubject,
    ours: Money,
) -> Result<Money, CheckoutError> {
    if state.subject != Some(subject) {
        return Err(CheckoutError::PaymentMismatch(
            "the payment was made for another order",
        ));
    }
    match state.paid {
        Some(paid) if paid == ours => Ok(paid),
        Some(_) => Err(CheckoutError::PaymentMismatch(
            "the payment's amount or currency is not the order's",
        )),
        None => Err(CheckoutError::PaymentRequired),
    }
}

impl CheckoutService {
    /// Confirms a payment the buyer authorised at `method`'s provider for `order_id` (the
    /// provider's order id of a session or order), of `amount` (the client's claim), for its
    /// owner, an admin or an API key.
    ///
    /// # Errors
    /// `Validation` for an odd payment key; `NotFound` for an order id that is none of ours
    /// or not the caller's; `AmountMismatch` when `amount` is not ours (the provider is not
    /// called); `PaymentMismatch` when the provider's payment is for another order or other
    /// money (nothing changes); the provider's refusal (`Payment(Declined)`, the stock stays
    /// held for another try).
    pub async fn confirm_authorized(
        &self,
        method: PaymentMethod,
        payment_ref: &str,
        order_id: &str,
        amount: i64,
        confirmer: &Confirmer,
    ) -> Result<Order, CheckoutError> {
        if payment_ref.is_empty() || payment_ref.len() > 200 || has_control_chars(payment_ref) {
            return Err(
                ValidationErrors::single("paymentKey", "must be 1 to 200 characters").into(),
            );
        }
        let subject = PaymentSubject::from_order_id(order_id).ok_or(CheckoutError::NotFound)?;
        let ours = self.amount_due(subject, confirmer).await?;
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
        if state.status != ProviderStatus::Complete {
            return Err(CheckoutError::PaymentRequired);
        }
        let paid = paid_for(&state, subject, ours)?;
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

    /// What a session or order costs, when the confirmer may see it (else it is not found).
    async fn amount_due(
        &self,
        subject: PaymentSubject,
        confirmer: &Confirmer,
    ) -> Result<Money, CheckoutError> {
        match subject {
            PaymentSubject::Checkout(id) => {
                let session = self
                    .visible_session(CheckoutId::from_uuid(id), &confirmer.caller)
                    .await?;
                Ok(session.total())
            }
            PaymentSubject::Order(id) => {
                let viewer = OrderViewer {
                    user: confirmer.caller.user,
                    is_admin: confirmer.caller.is_admin,
                    token_hash: confirmer.order_token_hash.clone(),
                };
                let order = self
                    .order_repo
                    .find(merx_orders::OrderId::from_uuid(id))
                    .await?
                    .filter(|o| o.is_visible_to(&viewer))
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
