use std::sync::Arc;

use merx_kernel::{Clock, Page, PageRequest, StoreError, ValidationErrors, has_control_chars};

use crate::{
    InvalidTransition, Order, OrderEdit, OrderFilter, OrderId, OrderRepository, OrderStatus,
    OrderViewer, PaymentStatus,
};

#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// No such order, or not the viewer's (`order_not_found`).
    #[error("order not found")]
    NotFound,
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reading orders, and admins' edits that move nothing but the order.
pub struct OrderService {
    orders: Arc<dyn OrderRepository>,
    clock: Arc<dyn Clock>,
}

/// How often an edit is retried when another edit landed between its read and its write.
const EDIT_ATTEMPTS: usize = 5;

impl OrderService {
    #[must_use]
    pub fn new(orders: Arc<dyn OrderRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { orders, clock }
    }

    /// # Errors
    /// [`OrderError::NotFound`] when there is none the viewer may see.
    pub async fn get(&self, id: OrderId, viewer: &OrderViewer) -> Result<Order, OrderError> {
        self.orders
            .find(id)
            .await?
            .filter(|o| o.is_visible_to(viewer))
            .ok_or(OrderError::NotFound)
    }

    /// The viewer's orders (everyone's for an admin), newest first.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn list(
        &self,
        viewer: &OrderViewer,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, OrderError> {
        let user = if viewer.is_admin { None } else { viewer.user };
        if !viewer.is_admin && user.is_none() {
            return Ok(Page::new(Vec::new(), 0, page));
        }
        Ok(self.orders.list(OrderFilter { user, status }, page).await?)
    }

    /// A customer's orders, for their history.
    ///
    /// # Errors
    /// Storage failure.
    pub async fn of_customer(
        &self,
        user: merx_identity::UserId,
        page: PageRequest,
    ) -> Result<Page<Order>, OrderError> {
        Ok(self
            .orders
            .list(
                OrderFilter {
                    user: Some(user),
                    status: None,
                },
                page,
            )
            .await?)
    }

    /// Applies an admin's edit (not a cancellation: see `merx-checkout`).
    ///
    /// # Errors
    /// `NotFound`; `InvalidTransition`; `Validation` for an odd tracking number or note.
    pub async fn edit(
        &self,
        id: OrderId,
        edit: &OrderEdit,
        by: &merx_kernel::Author,
    ) -> Result<Order, OrderError> {
        Self::check_edit(edit)?;
        for _ in 0..EDIT_ATTEMPTS {
            let mut order = self.orders.find(id).await?.ok_or(OrderError::NotFound)?;
            // Confirming an unpaid order takes its held stock: the checkout does that
            // (see `Order::confirmation_by`).
            if order.awaits_payment()
                && (edit.status == Some(OrderStatus::Confirmed)
                    || edit.payment_status == Some(PaymentStatus::Paid))
            {
                return Err(InvalidTransition {
                    from: order.status,
                    to: OrderStatus::Confirmed,
                }
                .into());
            }
            let seen = order.updated_at;
            let before = order.clone();
            order.apply(edit, self.clock.now().max(seen))?;
            // What is left of an edit after its cancel or confirm may change nothing more.
            let changes = order.changes_since(&before);
            let audit = if changes.is_empty() {
                None
            } else {
                by.entry(
                    "order.update",
                    order.audit_target(),
                    changes,
                    order.updated_at,
                )
            };
            if self.orders.update(&order, seen, audit).await? {
                return Ok(order);
            }
        }
        Err(StoreError::message("order kept changing; edit not saved").into())
    }
}

impl OrderService {
    /// The edit's text fields, checked before anything changes.
    ///
    /// # Errors
    /// `Validation` for an odd tracking number or note.
    pub fn check_edit(edit: &OrderEdit) -> Result<(), OrderError> {
        if edit
            .payment_status
            .is_some_and(|p| p != PaymentStatus::Paid)
        {
            return Err(ValidationErrors::single(
                "payment_status",
                "an edit may only record a payment (paid); refunds go through /refunds",
            )
            .into());
        }
        check_text("tracking_number", edit.tracking_number.as_ref(), 100)?;
        check_text("admin_note", edit.admin_note.as_ref(), 2000)
    }
}

fn check_text(field: &str, value: Option<&Option<String>>, max: usize) -> Result<(), OrderError> {
    if let Some(Some(v)) = value
        && (v.chars().count() > max
            || v.contains('\0')
            || (has_control_chars(v) && field != "admin_note"))
    {
        return Err(ValidationErrors::single(
            field,
            format!("must be at most {max} characters, without control characters"),
        )
        .into());
    }
    Ok(())
}
