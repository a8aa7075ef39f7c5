//! What happens to an order after it is placed and that moves stock: confirming one that
//! awaited payment, cancelling (stock returns), admin edits, and unpaid orders running out.

use merx_kernel::Changes;
use merx_kernel::audit::{Author, Target};
use merx_orders::{CancelReason, Order, OrderEdit, OrderId, OrderStatus, OrderViewer, Settlement};

use crate::service::shortfalls;
use crate::{CheckoutError, CheckoutService, OrderChange};

impl CheckoutService {
    /// Confirms an order awaiting payment with `settlement`: its held stock leaves the shelf.
    pub(crate) async fn confirm_unpaid(
        &self,
        order: &Order,
        settlement: &Settlement,
        now: merx_kernel::Timestamp,
        by: &Author,
    ) -> Result<Order, CheckoutError> {
        let audit = by.entry(
            "order.confirm",
            order.audit_target(),
            Changes::default(),
            now,
        );
        let change = self
            .store
            .confirm_order(order.id, settlement, now, audit)
            .await?;
        changed(change, order, OrderStatus::Confirmed)
    }

    /// Cancels the order while it is pending or confirmed: its stock returns, and a paid
    /// order is refunded in full through its provider first. The reason is the viewer's
    /// ([`CancelReason::of`]); the audit log has it when `by` is a caller.
    ///
    /// # Errors
    /// `Order(NotFound)`; `Order(InvalidTransition)` once it is being prepared or later.
    pub async fn cancel(
        &self,
        id: OrderId,
        viewer: &OrderViewer,
        by: &Author,
    ) -> Result<Order, CheckoutError> {
        let order = self.orders.get(id, viewer).await?;
        if order.is_refund_due_on_cancel() && order.status.is_cancellable() {
            // A paid order gives its money back first; if that fails it stays as it was.
            self.refund(
                id,
                crate::RefundAsk {
                    amount: None,
                    reason: Some("order cancelled".into()),
                    restock: false,
                },
                by,
            )
            .await?;
        }
        let now = self.clock.now();
        let audit = by.entry(
            "order.cancel",
            Target::new("order", id),
            Changes::default(),
            now,
        );
        let change = self
            .store
            .cancel_order(id, CancelReason::of(viewer), now, audit)
            .await?;
        changed(change, &order, OrderStatus::Cancelled)
    }

    /// An admin's edit. A move to `cancelled` cancels the order (stock returns); a move that
    /// confirms an order awaiting payment (see [`Order::confirmation_by`]) takes its held
    /// stock; the rest goes through [`merx_orders::OrderService::edit`].
    ///
    /// # Errors
    /// As for [`merx_orders::OrderService::edit`] and [`Self::cancel`]; `Expired` when an
    /// unpaid order's time to pay ran out before the edit confirmed it.
    pub async fn edit_order(
        &self,
        id: OrderId,
        edit: OrderEdit,
        by: &Author,
    ) -> Result<Order, CheckoutError> {
        let admin = OrderViewer {
            is_admin: true,
            ..OrderViewer::default()
        };
        merx_orders::OrderService::check_edit(&edit)?;
        let mut rest = edit;
        let order = self.orders.get(id, &admin).await?;
        if rest.status == Some(OrderStatus::Cancelled) {
            if order.status != OrderStatus::Cancelled {
                self.cancel(id, &admin, by).await?;
            }
            rest.status = None;
        }
        let settles_on_delivery = order.payment_method.settles_on_delivery();
        if let Some(settlement) = order.confirmation_by(&rest, settles_on_delivery)? {
            self.confirm_unpaid(&order, &settlement, self.clock.now(), by)
                .await?;
            rest.status = None;
            rest.payment_status = None;
        }
        Ok(self.orders.edit(id, &rest, by).await?)
    }

    /// Cancels unpaid orders whose time to pay ran out (`payment_timeout`); how many.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn cancel_unpaid_orders(&self) -> Result<u64, CheckoutError> {
        Ok(self.store.cancel_unpaid_orders(self.clock.now()).await?)
    }
}

/// The order a change made, or the error for what refused it.
fn changed(change: OrderChange, before: &Order, to: OrderStatus) -> Result<Order, CheckoutError> {
    match change {
        OrderChange::Done(order) => Ok(*order),
        OrderChange::NotFound => Err(merx_orders::OrderError::NotFound.into()),
        OrderChange::Refused(from) => Err(merx_orders::InvalidTransition { from, to }.into()),
        OrderChange::Expired => Err(CheckoutError::Expired(
            "the time to pay for this order ran out",
        )),
        OrderChange::Short(short) => Err(CheckoutError::Insufficient(shortfalls(
            &short,
            &before.items,
        ))),
    }
}
