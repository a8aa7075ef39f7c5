use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use merx_cart::CartId;
use merx_checkout::{
    CheckoutId, CheckoutSession, CheckoutStore, EventApplied, EventEffect, OrderChange,
    PlaceOutcome, Placement, ProviderEvent, RefundAsk, RefundBegun, RefundOutcome, SessionStatus,
    confirm_payment_of, stock_actor, stock_lines,
};
use merx_kernel::{AuditEntry, ProductId, StoreError, Timestamp};
use merx_orders::{CancelReason, Order, OrderId, Refund, RefundId, RefundStatus, Settlement};

use crate::catalog::ProductReferences;
use crate::{MemoryCarts, MemoryDiscounts, MemoryOutbox, MemoryStock, lock};
use merx_orders::outbound::Outbound;

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) sessions: HashMap<CheckoutId, CheckoutSession>,
    /// Orders live beside sessions so placing one is a single locked step; `orders.rs`
    /// reads and edits them.
    pub(crate) orders: HashMap<OrderId, Order>,
    pub(crate) refunds: Vec<Refund>,
    /// Provider events applied, by (provider, event id).
    events: HashSet<(String, String)>,
    last_number: i64,
}

/// Checkout sessions and orders in memory. Every write that spans stock, discounts and carts
/// runs under this store's lock and checks everything before it changes anything, so it is
/// as atomic as the Postgres transaction.
pub struct MemoryCheckout {
    pub(crate) state: Mutex<State>,
    pub(crate) stock: Arc<MemoryStock>,
    carts: Arc<MemoryCarts>,
    discounts: Arc<MemoryDiscounts>,
    outbox: Arc<MemoryOutbox>,
    outbound: Outbound,
}

impl MemoryCheckout {
    #[must_use]
    pub fn new(
        stock: Arc<MemoryStock>,
        carts: Arc<MemoryCarts>,
        discounts: Arc<MemoryDiscounts>,
    ) -> Self {
        Self {
            state: Mutex::new(State::default()),
            stock,
            carts,
            discounts,
            outbox: Arc::new(MemoryOutbox::default()),
            outbound: Outbound::default(),
        }
    }

    /// Writes the messages of `outbound`'s receivers to `outbox` with each change of an order.
    #[must_use]
    pub fn with_outbox(self, outbox: Arc<MemoryOutbox>, outbound: Outbound) -> Self {
        Self {
            outbox,
            outbound,
            ..self
        }
    }

    /// Writes the outbox messages of order `id`'s change from `before` (under the lock).
    pub(crate) fn announce(
        &self,
        state: &State,
        before: Option<&Order>,
        id: OrderId,
        now: Timestamp,
    ) {
        if let Some(after) = state.orders.get(&id) {
            self.outbox
                .write(self.outbound.order_changed(before, after, now));
        }
    }

    fn announce_refund(&self, refund: &Refund, now: Timestamp) {
        self.outbox.write(self.outbound.refund_changed(refund, now));
    }
}

impl MemoryCheckout {
    /// Cancels the cart's open sessions other than `keep` and frees their holds.
    fn cancel_open_sessions(
        &self,
        state: &mut State,
        cart: CartId,
        keep: Option<CheckoutId>,
        now: Timestamp,
    ) {
        for s in state.sessions.values_mut() {
            if s.cart_id == cart && s.status == SessionStatus::Open && Some(s.id) != keep {
                s.status = SessionStatus::Cancelled;
                s.updated_at = now;
                self.stock.release_now(&s.holder());
            }
        }
    }

    /// Cancels one order under the store's lock; with `only_overdue`, only an order still
    /// unpaid past its time.
    fn cancel_locked(
        &self,
        state: &mut State,
        id: OrderId,
        reason: CancelReason,
        now: Timestamp,
        only_overdue: bool,
    ) -> OrderChange {
        let Some(order) = state.orders.get_mut(&id) else {
            return OrderChange::NotFound;
        };
        let before = order.clone();
        if only_overdue && !order.is_payment_overdue(now) {
            return OrderChange::Refused(order.status);
        }
        let Ok(undo) = order.cancel(reason, now) else {
            return OrderChange::Refused(order.status);
        };
        if undo.returns_stock {
            self.stock
                .put_back(&stock_lines(&order.items), &stock_actor(order), now);
        } else {
            self.stock.release_now(&order.holder());
        }
        if undo.gives_back_discount {
            self.discounts.unredeem(&order.id.to_string());
        }
        let change = OrderChange::Done(Box::new(order.clone()));
        self.announce(state, Some(&before), id, now);
        change
    }

    /// Records the entry of an order change that was done, completed from `before`.
    fn record_change(
        &self,
        audit: Option<AuditEntry>,
        before: Option<&Order>,
        change: &OrderChange,
    ) {
        if let (OrderChange::Done(after), Some(before)) = (change, before) {
            self.stock
                .audit_log()
                .record(merx_orders::completed_audit(audit, before, after));
        }
    }

    /// Places an order under the store's lock: everything is checked before anything changes.
    fn place_locked(&self, state: &mut State, p: &Placement) -> PlaceOutcome {
        if let Some(id) = p.session {
            let Some(s) = state.sessions.get(&id) else {
                return PlaceOutcome::SessionClosed(SessionStatus::Cancelled);
            };
            let allowed = if p.late_payment {
                merx_checkout::placeable_late(s.status, s.order_id)
            } else {
                s.placeable_at(p.now)
            };
            if let Err(refused) = allowed {
                return refused;
            }
        }
        let order = &p.order;
        if let Some(r) = &p.redemption
            && !self.discounts.redeemable(r)
        {
            return PlaceOutcome::DiscountUsedUp;
        }
        if order.stock_taken
            && let Err(short) = self.stock.take_held(
                &p.holder,
                &stock_lines(&order.items),
                &stock_actor(order),
                p.now,
            )
        {
            return PlaceOutcome::Short(short);
        }
        if let Some(r) = &p.redemption {
            self.discounts.redeem(r, &order.id.to_string());
        }
        if let Some(cart) = p.clear_cart {
            self.cancel_open_sessions(state, cart, p.session, p.now);
            self.carts.empty(cart, p.now);
        }
        state.orders.insert(order.id, order.clone());
        self.announce(state, None, order.id, p.now);
        if let Some(s) = p.session.and_then(|id| state.sessions.get_mut(&id)) {
            if !order.stock_taken {
                // A session's order never leaves its hold behind.
                self.stock.release_now(&p.holder);
            }
            s.status = SessionStatus::Complete;
            s.order_id = Some(order.id);
            s.updated_at = p.now;
        }
        PlaceOutcome::Placed
    }

    /// Confirms a paid order under the store's lock ([`confirm_payment_of`]).
    fn confirm_locked(
        &self,
        state: &mut State,
        id: OrderId,
        settlement: &Settlement,
        now: Timestamp,
        late: bool,
    ) -> OrderChange {
        let Some(order) = state.orders.get_mut(&id) else {
            return OrderChange::NotFound;
        };
        let mut confirmed = order.clone();
        let take = match confirm_payment_of(&mut confirmed, settlement, now, late) {
            Ok(take) => take,
            Err(refused) => return refused,
        };
        if take
            && let Err(short) = self.stock.take_held(
                &order.holder(),
                &stock_lines(&order.items),
                &stock_actor(order),
                now,
            )
        {
            return OrderChange::Short(short);
        }
        let before = std::mem::replace(order, confirmed);
        let change = OrderChange::Done(Box::new(order.clone()));
        self.announce(state, Some(&before), id, now);
        change
    }

    /// Changes one order by `change` (which answers whether it did anything).
    fn edit_locked(
        &self,
        state: &mut State,
        id: OrderId,
        now: Timestamp,
        change: impl FnOnce(&mut Order) -> bool,
    ) -> EventApplied {
        let Some(order) = state.orders.get_mut(&id) else {
            return EventApplied::Applied(None);
        };
        let before = order.clone();
        if !change(order) {
            return EventApplied::Applied(None);
        }
        let after = Box::new(order.clone());
        self.announce(state, Some(&before), id, now);
        EventApplied::Applied(Some(after))
    }

    fn apply_locked(
        &self,
        state: &mut State,
        effect: &EventEffect,
        now: Timestamp,
    ) -> EventApplied {
        match effect {
            EventEffect::Record => EventApplied::Applied(None),
            EventEffect::Place(p) => match self.place_locked(state, p) {
                PlaceOutcome::Placed => EventApplied::Applied(Some(Box::new(p.order.clone()))),
                other => EventApplied::PlaceRefused(other),
            },
            EventEffect::ExpireSession(id) => {
                if let Some(s) = state.sessions.get_mut(id)
                    && s.status == SessionStatus::Open
                {
                    s.status = SessionStatus::Expired;
                    s.updated_at = now;
                    self.stock.release_now(&s.holder());
                }
                EventApplied::Applied(None)
            }
            EventEffect::ConfirmOrder {
                order,
                settlement,
                late,
            } => match self.confirm_locked(state, *order, settlement, now, *late) {
                OrderChange::Done(o) => EventApplied::Applied(Some(o)),
                other => EventApplied::OrderRefused(other),
            },
            EventEffect::Flag { order, flag } => {
                self.edit_locked(state, *order, now, |o| o.flag(*flag, now))
            }
            EventEffect::PaymentFailed(order) => {
                self.edit_locked(state, *order, now, |o| o.payment_failed(now))
            }
            EventEffect::LatePayment { order, paid } => {
                self.edit_locked(state, *order, now, |o| o.accept_late_payment(*paid, now))
            }
            EventEffect::ProviderRefund {
                order,
                refunded_total,
                refund_ref,
            } => {
                let mut refund = None;
                let applied = self.edit_locked(state, *order, now, |o| {
                    refund = o.provider_refund(*refunded_total, refund_ref.clone(), now);
                    refund.is_some()
                });
                if let Some(refund) = &refund {
                    self.announce_refund(refund, now);
                }
                state.refunds.extend(refund);
                applied
            }
        }
    }
}

impl ProductReferences for MemoryCheckout {
    fn references(&self, product: ProductId) -> bool {
        lock(&self.state)
            .orders
            .values()
            .any(|o| o.items.iter().any(|i| i.product_id == product))
    }
}

#[async_trait]
impl CheckoutStore for MemoryCheckout {
    async fn insert_session(
        &self,
        session: &CheckoutSession,
    ) -> Result<Vec<CheckoutId>, StoreError> {
        let mut state = lock(&self.state);
        let cancelled: Vec<CheckoutId> = state
            .sessions
            .values()
            .filter(|s| s.cart_id == session.cart_id && s.status == SessionStatus::Open)
            .map(|s| s.id)
            .collect();
        self.cancel_open_sessions(&mut state, session.cart_id, None, session.created_at);
        state.sessions.insert(session.id, session.clone());
        Ok(cancelled)
    }

    async fn find_session(&self, id: CheckoutId) -> Result<Option<CheckoutSession>, StoreError> {
        Ok(lock(&self.state).sessions.get(&id).cloned())
    }

    async fn open_sessions_of_cart(&self, cart: CartId) -> Result<Vec<CheckoutId>, StoreError> {
        Ok(lock(&self.state)
            .sessions
            .values()
            .filter(|s| s.cart_id == cart && s.status == SessionStatus::Open)
            .map(|s| s.id)
            .collect())
    }

    async fn close_session(
        &self,
        id: CheckoutId,
        to: SessionStatus,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        let Some(s) = state.sessions.get_mut(&id) else {
            return Ok(false);
        };
        if s.status != SessionStatus::Open {
            return Ok(false);
        }
        s.status = to;
        s.updated_at = now;
        self.stock.release_now(&s.holder());
        Ok(true)
    }

    async fn expire_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let mut n = 0;
        for s in state.sessions.values_mut() {
            if s.status == SessionStatus::Open && s.expires_at <= now {
                s.status = SessionStatus::Expired;
                s.updated_at = now;
                self.stock.release_now(&s.holder());
                n += 1;
            }
        }
        Ok(n)
    }

    async fn next_order_number(&self) -> Result<i64, StoreError> {
        let mut state = lock(&self.state);
        state.last_number += 1;
        Ok(state.last_number)
    }

    async fn place_order(&self, p: &Placement) -> Result<PlaceOutcome, StoreError> {
        let mut state = lock(&self.state);
        Ok(self.place_locked(&mut state, p))
    }

    async fn confirm_order(
        &self,
        id: OrderId,
        settlement: &Settlement,
        now: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<OrderChange, StoreError> {
        let mut state = lock(&self.state);
        let before = state.orders.get(&id).cloned();
        let change = self.confirm_locked(&mut state, id, settlement, now, false);
        self.record_change(audit, before.as_ref(), &change);
        Ok(change)
    }

    async fn cancel_order(
        &self,
        id: OrderId,
        reason: CancelReason,
        now: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<OrderChange, StoreError> {
        let mut state = lock(&self.state);
        let before = state.orders.get(&id).cloned();
        let change = self.cancel_locked(&mut state, id, reason, now, false);
        self.record_change(audit, before.as_ref(), &change);
        Ok(change)
    }

    async fn begin_refund(
        &self,
        id: OrderId,
        ask: &RefundAsk,
        now: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<RefundBegun, StoreError> {
        let mut state = lock(&self.state);
        let Some(order) = state.orders.get_mut(&id) else {
            return Ok(RefundBegun::NotFound);
        };
        let mut changed = order.clone();
        let refund = match changed.begin_refund(ask.amount, ask.reason.clone(), ask.restock, now) {
            Ok(refund) => refund,
            Err(why) => return Ok(RefundBegun::Refused(why)),
        };
        if refund.restocked {
            self.stock
                .put_back(&stock_lines(&changed.items), &stock_actor(&changed), now);
        }
        self.stock
            .audit_log()
            .record(merx_orders::completed_audit(audit, order, &changed));
        let before = std::mem::replace(order, changed.clone());
        self.announce(&state, Some(&before), id, now);
        state.refunds.push(refund.clone());
        Ok(RefundBegun::Begun {
            refund,
            order: Box::new(changed),
        })
    }

    async fn finish_refund(
        &self,
        refund: RefundId,
        outcome: &RefundOutcome,
        now: Timestamp,
    ) -> Result<Option<Refund>, StoreError> {
        let mut state = lock(&self.state);
        let Some(at) = state.refunds.iter().position(|r| r.id == refund) else {
            return Ok(None);
        };
        if state.refunds[at].status == RefundStatus::Pending {
            match outcome {
                RefundOutcome::Succeeded(provider_ref) => {
                    state.refunds[at].status = RefundStatus::Succeeded;
                    state.refunds[at].provider_ref.clone_from(provider_ref);
                    self.announce_refund(&state.refunds[at], now);
                }
                RefundOutcome::Failed => {
                    state.refunds[at].status = RefundStatus::Failed;
                    let failed = state.refunds[at].clone();
                    if let Some(order) = state.orders.get_mut(&failed.order_id) {
                        let before = order.clone();
                        order.refund_failed(&failed, now);
                        self.announce(&state, Some(&before), failed.order_id, now);
                    }
                }
            }
        }
        Ok(Some(state.refunds[at].clone()))
    }

    async fn refunds(&self, id: OrderId) -> Result<Vec<Refund>, StoreError> {
        Ok(lock(&self.state)
            .refunds
            .iter()
            .filter(|r| r.order_id == id)
            .cloned()
            .collect())
    }

    async fn apply_event(
        &self,
        event: &ProviderEvent,
        effect: &EventEffect,
        now: Timestamp,
    ) -> Result<EventApplied, StoreError> {
        let mut state = lock(&self.state);
        let key = (event.provider.clone(), event.event_id.clone());
        if state.events.contains(&key) {
            return Ok(EventApplied::Duplicate);
        }
        let applied = self.apply_locked(&mut state, effect, now);
        if matches!(applied, EventApplied::Applied(_)) {
            state.events.insert(key);
        }
        Ok(applied)
    }

    async fn order_by_payment_ref(&self, payment_ref: &str) -> Result<Option<OrderId>, StoreError> {
        Ok(lock(&self.state)
            .orders
            .values()
            .find(|o| o.payment_provider_ref.as_deref() == Some(payment_ref))
            .map(|o| o.id))
    }

    async fn due_provider_sessions(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<CheckoutSession>, StoreError> {
        Ok(lock(&self.state)
            .sessions
            .values()
            .filter(|s| {
                s.status == SessionStatus::Open
                    && s.expires_at <= now
                    && s.payment.provider_ref.is_some()
            })
            .take(usize::try_from(limit).unwrap_or(0))
            .cloned()
            .collect())
    }

    async fn cancel_unpaid_orders(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut state = lock(&self.state);
        let due: Vec<OrderId> = state
            .orders
            .values()
            .filter(|o| o.is_payment_overdue(now))
            .map(|o| o.id)
            .collect();
        let mut n = 0;
        for id in due {
            if matches!(
                self.cancel_locked(&mut state, id, CancelReason::PaymentTimeout, now, true),
                OrderChange::Done(_)
            ) {
                n += 1;
            }
        }
        Ok(n)
    }
}
