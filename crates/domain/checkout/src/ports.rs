use async_trait::async_trait;
use merx_cart::CartId;
use merx_inventory::Shortage;
use merx_kernel::{StoreError, Timestamp};
use merx_orders::{Order, OrderId, OrderStatus};

use crate::{CheckoutId, CheckoutSession, SessionStatus};

/// The stock an order's items take (or hold), one line per item.
#[must_use]
pub fn stock_lines(items: &[merx_orders::OrderItem]) -> Vec<merx_inventory::ReservationLine> {
    items
        .iter()
        .map(|i| merx_inventory::ReservationLine {
            variant_id: i.variant_id,
            quantity: i.quantity,
        })
        .collect()
}

/// Who the stock audit trail names for an order's stock moves.
#[must_use]
pub fn stock_actor(order: &Order) -> String {
    format!("order {}", order.number)
}

/// Writing an order, with everything that goes with it, as one transaction.
#[derive(Debug, Clone)]
pub struct Placement {
    /// With `stock_taken`, its items leave stock now and `holder`'s reservations are deleted;
    /// without, the reservations stay and hold the items until the order is paid or expires.
    pub order: Order,
    pub holder: String,
    /// Completed with this order: it must be open and unexpired at `now`.
    pub session: Option<CheckoutId>,
    /// Counted when [`merx_pricing::Discount::can_redeem`] allows it as the order is written.
    pub redemption: Option<merx_pricing::Redemption>,
    /// Emptied (lines and code) with the order.
    pub clear_cart: Option<CartId>,
    /// The session was paid after its time ran out and its stock was held again: it may
    /// still become its one order ([`crate::placeable_late`]).
    pub late_payment: bool,
    pub now: Timestamp,
}

/// What placing an order did. Anything but `Placed` changed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceOutcome {
    Placed,
    /// The session became this order already.
    AlreadyPlaced(OrderId),
    /// The session is not open (or its time ran out) at `now`.
    SessionClosed(SessionStatus),
    DiscountUsedUp,
    /// Stock fell below what is to be taken (an admin lowered it).
    Short(Vec<Shortage>),
}

/// A provider event as stored: `(provider, event_id)` is unique, so an event repeated or
/// raced over instances is applied once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    pub provider: String,
    pub event_id: String,
    pub kind: String,
}

/// What a provider event changes, written in the same transaction as the event's record.
#[derive(Debug, Clone)]
pub enum EventEffect {
    /// Nothing to change: only remember the event.
    Record,
    /// A paid session becomes its order.
    Place(Box<Placement>),
    /// The provider ended the session's payment: it expires and its stock goes back.
    ExpireSession(CheckoutId),
    /// A paid order awaiting payment is confirmed ([`confirm_payment_of`]).
    ConfirmOrder {
        order: OrderId,
        settlement: merx_orders::Settlement,
        /// Paid after its time to pay ran out: confirmed all the same when its units are
        /// still on the shelf.
        late: bool,
    },
    Flag {
        order: OrderId,
        flag: merx_orders::OrderFlag,
    },
    /// [`Order::payment_failed`].
    PaymentFailed(OrderId),
    /// [`Order::provider_refund`]: the refund recorded as a row too.
    ProviderRefund {
        order: OrderId,
        refunded_total: i64,
        refund_ref: Option<String>,
    },
    /// [`Order::accept_late_payment`] on an order whose time to pay ran out.
    LatePayment { order: OrderId, paid: i64 },
}

/// What applying an event did.
#[derive(Debug, Clone, PartialEq)]
pub enum EventApplied {
    /// Recorded before: nothing changed now.
    Duplicate,
    /// Recorded with its effect; the order it changed or placed, if any.
    Applied(Option<Box<Order>>),
    /// The effect was refused (and the event not recorded, so it can be applied later).
    PlaceRefused(PlaceOutcome),
    OrderRefused(OrderChange),
}

/// Confirms `order` with `settlement` at `now` by the rule both stores apply under its lock:
/// only an order awaiting payment, and (unless paid `late`) only before its time to pay ran
/// out. Answers whether its held units are to be taken now (not when they already were).
///
/// # Errors
/// The [`OrderChange`] that refuses it; then nothing changed.
pub fn confirm_payment_of(
    order: &mut Order,
    settlement: &merx_orders::Settlement,
    now: Timestamp,
    late: bool,
) -> Result<bool, OrderChange> {
    if !order.awaits_payment() {
        return Err(OrderChange::Refused(order.status));
    }
    if !late && order.is_payment_overdue(now) {
        return Err(OrderChange::Expired);
    }
    let already_taken = order.stock_taken;
    let status = order.status;
    order
        .confirm_payment(settlement, now)
        .map_err(|_| OrderChange::Refused(status))?;
    Ok(!already_taken)
}

/// An admin's refund (spec §12 `POST /orders/{id}/refunds`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefundAsk {
    /// Minor units; all that is left when `None`.
    pub amount: Option<i64>,
    pub reason: Option<String>,
    pub restock: bool,
}

/// What the provider did with a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// Money given back, with the provider's reference when it has one.
    Succeeded(Option<String>),
    Failed,
}

/// What starting a refund did. Anything but `Begun` changed nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum RefundBegun {
    Begun {
        refund: merx_orders::Refund,
        order: Box<Order>,
    },
    NotFound,
    Refused(merx_orders::RefundRefusal),
}

/// What a change to an order did. Anything but `Done` changed nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderChange {
    Done(Box<Order>),
    NotFound,
    /// Not allowed from the order's current status.
    Refused(OrderStatus),
    /// An unpaid order's time to pay has run out.
    Expired,
    Short(Vec<Shortage>),
}

/// Sessions and the writes of checkout that span orders, stock, discounts and carts: each
/// method is one transaction.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CheckoutStore: Send + Sync {
    /// Stores a new session and, in the same step, cancels the cart's other open sessions
    /// (freeing their holds); the sessions it cancelled. Two sessions opened at the very same
    /// moment may both stay open: confirming either spends the cart and cancels the other.
    async fn insert_session(
        &self,
        session: &CheckoutSession,
    ) -> Result<Vec<CheckoutId>, StoreError>;

    async fn find_session(&self, id: CheckoutId) -> Result<Option<CheckoutSession>, StoreError>;

    /// The cart's sessions that are still open.
    async fn open_sessions_of_cart(&self, cart: CartId) -> Result<Vec<CheckoutId>, StoreError>;

    /// Moves an open session to `to` and deletes its reservations; false when it was not open.
    async fn close_session(
        &self,
        id: CheckoutId,
        to: SessionStatus,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Marks open sessions whose time ran out by `now` expired and deletes their
    /// reservations; how many. Safe to run on several instances at once.
    async fn expire_sessions(&self, now: Timestamp) -> Result<u64, StoreError>;

    /// The next order number's sequence part, unique across instances.
    async fn next_order_number(&self) -> Result<i64, StoreError>;

    /// Writes the placement's order with everything that goes with it, in one step, after
    /// [`crate::placeable`] allowed the session (if any) and
    /// [`merx_pricing::Discount::can_redeem`] the discount use: the stock taken (or left held),
    /// the use counted, and with `clear_cart` the cart emptied and its other open sessions
    /// cancelled (a spent cart becomes no second order).
    async fn place_order(&self, placement: &Placement) -> Result<PlaceOutcome, StoreError>;

    /// A pending, unpaid order whose time to pay has not run out becomes confirmed with this
    /// settlement ([`Order::confirm_payment`]): its held stock leaves the shelf.
    async fn confirm_order(
        &self,
        id: OrderId,
        settlement: &merx_orders::Settlement,
        now: Timestamp,
        audit: Option<merx_kernel::AuditEntry>,
    ) -> Result<OrderChange, StoreError>;

    /// Cancels a pending or confirmed order for `reason` and undoes what
    /// [`Order::cancel`]'s [`merx_orders::Cancellation`] names: taken stock returns, held stock
    /// is freed, an unsold order's discount use is given back.
    ///
    /// Here and in the other writes of an order under its lock, `audit` is a draft the store
    /// completes with [`merx_orders::completed_audit`] and writes in the same step.
    async fn cancel_order(
        &self,
        id: OrderId,
        reason: merx_orders::CancelReason,
        now: Timestamp,
        audit: Option<merx_kernel::AuditEntry>,
    ) -> Result<OrderChange, StoreError>;

    /// Starts a refund of the order under its lock ([`Order::begin_refund`]): the refund row
    /// (pending) and the order's ledger are written together, and with a restock the units go
    /// back to stock in the same step.
    async fn begin_refund(
        &self,
        id: OrderId,
        ask: &RefundAsk,
        now: Timestamp,
        audit: Option<merx_kernel::AuditEntry>,
    ) -> Result<RefundBegun, StoreError>;

    /// Records what the provider did with a pending refund: succeeded with its reference, or
    /// failed (the order's ledger gives the amount back, [`Order::refund_failed`]). A refund no
    /// longer pending is left as it is. Answers the refund as stored.
    async fn finish_refund(
        &self,
        refund: merx_orders::RefundId,
        outcome: &RefundOutcome,
        now: Timestamp,
    ) -> Result<Option<merx_orders::Refund>, StoreError>;

    /// The order's refunds, oldest first.
    async fn refunds(&self, id: OrderId) -> Result<Vec<merx_orders::Refund>, StoreError>;

    /// Records `event` and applies `effect` in one transaction, unless the event was
    /// recorded before (then nothing changes). A refused effect records nothing.
    async fn apply_event(
        &self,
        event: &ProviderEvent,
        effect: &EventEffect,
        now: Timestamp,
    ) -> Result<EventApplied, StoreError>;

    /// The order paid by the provider's payment `payment_ref` (a PaymentIntent id).
    async fn order_by_payment_ref(&self, payment_ref: &str) -> Result<Option<OrderId>, StoreError>;

    /// Open sessions whose time ran out by `now` and whose payment was started at a provider
    /// (at most `limit`): their provider payment is ended before their stock goes back.
    async fn due_provider_sessions(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<CheckoutSession>, StoreError>;

    /// Cancels pending unpaid orders whose time to pay ran out by `now` (reason
    /// `payment_timeout`) and frees their stock; how many. Safe on several instances at once.
    async fn cancel_unpaid_orders(&self, now: Timestamp) -> Result<u64, StoreError>;
}
