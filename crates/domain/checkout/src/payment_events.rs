//! Provider events (spec §12): each verified event is recorded by `(provider, event id)` in
//! the transaction of its effect, so a repeat, or the same event on two instances at once,
//! changes nothing; each effect is also judged against the state it finds, so events in any
//! order are safe (a `completed` after an `expired`, a `succeeded` after a `failed`, a
//! refund we made ourselves).

use merx_kernel::{Author, Money};
use merx_orders::{Order, OrderFlag, OrderId, OrderStatus, Settlement};
use merx_payments::{PaymentEvent, PaymentFact, PaymentMethod, PaymentSubject};

use crate::{
    CheckoutError, CheckoutId, CheckoutService, CheckoutSession, EventApplied, EventEffect,
    OrderChange, PlaceOutcome, Placement, ProviderEvent, RefundAsk, SessionStatus,
};

/// What a paid session becomes.
enum PaidSession {
    /// Its order, confirmed and paid (or held for review when the money disagrees).
    Order(Order),
    /// Paid too late with no stock left: an order that carries the money back.
    Refund(Order),
}

impl CheckoutService {
    /// Verifies a provider's webhook over its raw body and applies it once.
    ///
    /// # Errors
    /// `Payment(Unavailable)` for an unconfigured provider; `Payment(Verification)` for a bad,
    /// missing or stale signature (then nothing changes); storage failures (the provider
    /// retries).
    pub async fn receive_webhook(
        &self,
        method: PaymentMethod,
        signature: &str,
        body: &[u8],
    ) -> Result<PaymentEvent, CheckoutError> {
        let gateway = self.payments.get(method.as_str())?;
        let event = gateway
            .verify_event(signature, body, self.clock.now())
            .await?;
        self.apply_payment_event(&event).await?;
        Ok(event)
    }

    /// Applies a verified provider event exactly once.
    ///
    /// # Errors
    /// Storage failures; then nothing was recorded and a retry applies it.
    pub async fn apply_payment_event(&self, event: &PaymentEvent) -> Result<(), CheckoutError> {
        let record = ProviderEvent {
            provider: event.provider.as_str().to_owned(),
            event_id: event.id.clone(),
            kind: event.kind.clone(),
        };
        match &event.fact {
            PaymentFact::Paid {
                subject: Some(PaymentSubject::Checkout(id)),
                amount,
                payment_ref,
            } => {
                self.session_paid(&record, CheckoutId::from_uuid(*id), *amount, payment_ref)
                    .await
            }
            PaymentFact::Paid {
                subject: Some(PaymentSubject::Order(id)),
                amount,
                payment_ref,
            } => {
                self.order_paid(&record, OrderId::from_uuid(*id), *amount, payment_ref)
                    .await
            }
            PaymentFact::Expired {
                subject: Some(PaymentSubject::Checkout(id)),
            } => {
                let effect = EventEffect::ExpireSession(CheckoutId::from_uuid(*id));
                self.apply(&record, &effect).await.map(drop)
            }
            PaymentFact::Failed {
                subject: Some(PaymentSubject::Order(id)),
                ..
            } => {
                let effect = EventEffect::PaymentFailed(OrderId::from_uuid(*id));
                self.apply(&record, &effect).await.map(drop)
            }
            PaymentFact::Refunded {
                payment_ref,
                refunded_total,
                refund_ref,
            } => {
                // A payment we do not know (yet): not recorded, so a redelivery after its
                // order exists still counts; the provider's total is cumulative anyway.
                let Some(order) = self.store.order_by_payment_ref(payment_ref).await? else {
                    return Ok(());
                };
                let effect = EventEffect::ProviderRefund {
                    order,
                    refunded_total: *refunded_total,
                    refund_ref: refund_ref.clone(),
                };
                self.apply(&record, &effect).await.map(drop)
            }
            PaymentFact::Disputed { payment_ref } => {
                let Some(order) = self.store.order_by_payment_ref(payment_ref).await? else {
                    return Ok(());
                };
                let effect = EventEffect::Flag {
                    order,
                    flag: OrderFlag::Disputed,
                };
                self.apply(&record, &effect).await.map(drop)
            }
            // A failed attempt on a session keeps it (and its stock) for another try; the
            // other facts need nothing beyond the record.
            _ => self.apply(&record, &EventEffect::Record).await.map(drop),
        }
    }

    async fn apply(
        &self,
        record: &ProviderEvent,
        effect: &EventEffect,
    ) -> Result<EventApplied, CheckoutError> {
        Ok(self
            .store
            .apply_event(record, effect, self.clock.now())
            .await?)
    }

    /// A session's payment came in: the session becomes its one order (whoever comes first,
    /// this event or the buyer's return), held for review when the money disagrees, placed
    /// anyway when it came late but its stock can be held again, else refunded in full.
    async fn session_paid(
        &self,
        record: &ProviderEvent,
        id: CheckoutId,
        paid: Money,
        payment_ref: &Option<String>,
    ) -> Result<(), CheckoutError> {
        let Some(session) = self.store.find_session(id).await? else {
            return self.apply(record, &EventEffect::Record).await.map(drop);
        };
        if session.status == SessionStatus::Complete {
            return self.apply(record, &EventEffect::Record).await.map(drop);
        }
        let now = self.clock.now();
        let late = session.placeable_at(now).is_err();
        let held_again = late
            && self
                .hold(&session.holder(), &session.items, None)
                .await
                .is_ok();
        let paid_order = self
            .paid_order(&session, paid, payment_ref, late && !held_again)
            .await?;
        let (order, refund) = match paid_order {
            PaidSession::Order(o) => (o, false),
            PaidSession::Refund(o) => (o, true),
        };
        let redemption = if order.status == OrderStatus::Cancelled {
            None
        } else {
            // The buyer paid the discounted price: a code used up meanwhile stays honoured.
            self.redemption(&session).await.ok().flatten()
        };
        let placement = Placement {
            holder: session.holder(),
            session: Some(id),
            redemption,
            // A late payment leaves the cart alone: it may hold a newer session's lines.
            clear_cart: (!refund && !late).then_some(session.cart_id),
            late_payment: late,
            now: self.clock.now().max(now),
            order,
        };
        let applied = self
            .apply(record, &EventEffect::Place(Box::new(placement)))
            .await;
        let applied = self.release_on_error(&session.holder(), applied).await?;
        if held_again
            && matches!(
                applied,
                EventApplied::PlaceRefused(_) | EventApplied::Duplicate
            )
        {
            // Another delivery placed the order first: the units held again are not needed.
            self.inventory.release(&session.holder()).await?;
        }
        match applied {
            EventApplied::Applied(Some(order)) if refund => self.refund_late(&order).await,
            EventApplied::PlaceRefused(PlaceOutcome::Short(_) | PlaceOutcome::DiscountUsedUp)
                if !refund =>
            {
                // Stock (or the code) went meanwhile: the money goes back.
                let order = match self.paid_order(&session, paid, payment_ref, true).await? {
                    PaidSession::Order(o) | PaidSession::Refund(o) => o,
                };
                let placement = Placement {
                    holder: session.holder(),
                    session: Some(id),
                    redemption: None,
                    clear_cart: None,
                    late_payment: true,
                    now: self.clock.now(),
                    order,
                };
                match self
                    .apply(record, &EventEffect::Place(Box::new(placement)))
                    .await?
                {
                    EventApplied::Applied(Some(order)) if order.ledger.refundable() > 0 => {
                        self.refund_late(&order).await
                    }
                    _ => Ok(()),
                }
            }
            EventApplied::PlaceRefused(_) => {
                // Placed meanwhile (the buyer's return won the race): remember the event.
                self.apply(record, &EventEffect::Record).await.map(drop)
            }
            _ => Ok(()),
        }
    }

    /// The order a paid session becomes.
    async fn paid_order(
        &self,
        session: &CheckoutSession,
        paid: Money,
        payment_ref: &Option<String>,
        no_stock: bool,
    ) -> Result<PaidSession, CheckoutError> {
        let now = self.clock.now();
        let number = self.store.next_order_number().await?;
        // No token reaches a guest from a webhook: the buyer's return (the session's confirm,
        // which proves the cart's owner) answers the order instead.
        let new = session.new_order(number, payment_ref.clone(), None, now);
        let settled = paid == session.total();
        Ok(match (settled, no_stock) {
            (true, false) => PaidSession::Order(Order::confirmed(new, true, now)),
            (true, true) => PaidSession::Refund(Order::paid_too_late(new, paid.amount(), now)),
            (false, held) => {
                let mut order = Order::held_for_review(new, now);
                if held {
                    // No units to take: an admin decides with the buyer.
                    order.stock_taken = false;
                    order.flag(OrderFlag::PaidAfterExpiry, now);
                }
                PaidSession::Order(order)
            }
        })
    }

    /// An order's payment came in (orders-first, PaymentIntent): confirmed and paid when the
    /// money is the order's; flagged when it is not; refunded when the order was already
    /// cancelled because its time to pay ran out.
    async fn order_paid(
        &self,
        record: &ProviderEvent,
        id: OrderId,
        paid: Money,
        payment_ref: &Option<String>,
    ) -> Result<(), CheckoutError> {
        let Some(order) = self.order_repo.find(id).await? else {
            return self.apply(record, &EventEffect::Record).await.map(drop);
        };
        if !order.is_settled_by(paid) {
            let effect = EventEffect::Flag {
                order: id,
                flag: OrderFlag::AmountMismatch,
            };
            return self.apply(record, &effect).await.map(drop);
        }
        let effect = EventEffect::ConfirmOrder {
            order: id,
            settlement: Settlement {
                method: order.payment_method,
                paid: true,
                provider_ref: payment_ref.clone(),
            },
            late: true,
        };
        match self.apply(record, &effect).await? {
            EventApplied::OrderRefused(OrderChange::Refused(OrderStatus::Cancelled)) => {}
            EventApplied::OrderRefused(OrderChange::Short(_)) => {
                self.store
                    .cancel_order(
                        id,
                        merx_orders::CancelReason::PaymentTimeout,
                        self.clock.now(),
                        None,
                    )
                    .await?;
            }
            EventApplied::OrderRefused(_) => {
                // Paid already (a repeat under another id, or the buyer's return).
                return self.apply(record, &EventEffect::Record).await.map(drop);
            }
            _ => return Ok(()),
        }
        let effect = EventEffect::LatePayment {
            order: id,
            paid: paid.amount(),
        };
        if let EventApplied::Applied(Some(order)) = self.apply(record, &effect).await? {
            return self.refund_late(&order).await;
        }
        Ok(())
    }

    /// Gives a late payment back in full. A provider failure leaves the order flagged with
    /// the money in its ledger, for an admin's refund.
    async fn refund_late(&self, order: &Order) -> Result<(), CheckoutError> {
        let ask = RefundAsk {
            amount: None,
            reason: Some("paid after the reservation expired".into()),
            restock: false,
        };
        match self.refund(order.id, ask, &Author::System).await {
            Ok(_) | Err(CheckoutError::Payment(_) | CheckoutError::Refund(_)) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
