use merx_identity::UserId;
use merx_kernel::{Currency, PostalAddress, ProductId, Timestamp, VariantId};
use serde::{Deserialize, Serialize};

use crate::{InvalidTransition, OrderNumber, OrderStatus, PaymentStatus, StatusTimes};

merx_kernel::typed_id!(
    /// Identifies an order.
    OrderId
);

impl OrderId {
    /// The reservation holder of an order placed before payment.
    #[must_use]
    pub fn holder(self) -> String {
        format!("order:{self}")
    }
}

/// A bought line as it was when the order was placed. Amounts are minor units of the order's
/// currency; `discount` is the line's share of the order discount and `tax` is on
/// `line_total − discount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    pub product_id: ProductId,
    pub variant_id: VariantId,
    pub sku: String,
    pub name: String,
    pub variant_name: String,
    pub image: Option<String>,
    pub unit_price: i64,
    pub quantity: i64,
    pub line_total: i64,
    pub discount: i64,
    pub tax: i64,
}

/// The breakdown of spec §5, in minor units of the order's currency.
/// `total = subtotal − discount_total + tax_total + shipping_total`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderTotals {
    pub subtotal: i64,
    pub discount_total: i64,
    /// Line taxes plus the tax on shipping.
    pub tax_total: i64,
    pub shipping_total: i64,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: OrderId,
    pub number: OrderNumber,
    pub user_id: Option<UserId>,
    pub email: String,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub currency: Currency,
    pub items: Vec<OrderItem>,
    pub totals: OrderTotals,
    /// Upper case, as redeemed.
    pub discount_code: Option<String>,
    pub shipping_address: PostalAddress,
    pub billing_address: PostalAddress,
    /// Codes, as spec §11 stores them: `standard`, `cash_on_delivery`.
    pub shipping_method: String,
    pub payment_method: String,
    pub payment_provider_ref: Option<String>,
    pub tracking_number: Option<String>,
    pub notes: Option<String>,
    pub admin_note: Option<String>,
    /// Why it was cancelled: `customer_request`, `admin`, `payment_timeout`.
    pub cancel_reason: Option<String>,
    /// The checkout session that placed it, if one did.
    pub checkout_id: Option<uuid::Uuid>,
    /// SHA-256 of the guest's order token (the token itself is shown once).
    pub token_hash: Option<String>,
    /// Whether its units have left stock (they have once it is confirmed); until then a
    /// reservation holds them. Cancelling returns taken stock and frees held stock.
    pub stock_taken: bool,
    /// An unpaid order placed first (orders-first flow) is cancelled at this time.
    pub payment_due_at: Option<Timestamp>,
    pub times: StatusTimes,
    pub paid_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Order {
    /// The reservation holder of an order placed before payment.
    #[must_use]
    pub fn holder(&self) -> String {
        self.id.holder()
    }

    /// Whether `viewer` may see this order: its customer, an admin, or whoever holds its
    /// guest token.
    #[must_use]
    pub fn is_visible_to(&self, viewer: &OrderViewer) -> bool {
        viewer.is_admin
            || (self.user_id.is_some() && self.user_id == viewer.user)
            || matches!((&self.token_hash, &viewer.token_hash), (Some(a), Some(b)) if a == b)
    }
}

/// Who asks for an order. `token_hash` is the hash of a guest's `?token=`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderViewer {
    pub user: Option<UserId>,
    pub is_admin: bool,
    pub token_hash: Option<String>,
}

/// Which orders to list, newest first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only this customer's orders; `None` lists everyone's (admins).
    pub user: Option<UserId>,
    pub status: Option<OrderStatus>,
}

/// An admin's change to an order (spec §6 `PATCH /orders/{id}`). Cancelling also returns
/// stock, so it is the checkout's; every other move goes through the status machine here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderEdit {
    pub status: Option<OrderStatus>,
    /// `Some(None)` clears it.
    pub tracking_number: Option<Option<String>>,
    pub admin_note: Option<Option<String>>,
}

impl Order {
    /// Applies `edit` at `now`.
    ///
    /// # Errors
    /// [`InvalidTransition`] for a move the machine refuses; then nothing changes.
    pub fn apply(&mut self, edit: &OrderEdit, now: Timestamp) -> Result<(), InvalidTransition> {
        if let Some(to) = edit.status
            && to != self.status
        {
            let mut status = self.status;
            let mut times = self.times;
            times.transition(&mut status, to, now)?;
            self.status = status;
            self.times = times;
        }
        if let Some(t) = &edit.tracking_number {
            self.tracking_number.clone_from(t);
        }
        if let Some(n) = &edit.admin_note {
            self.admin_note.clone_from(n);
        }
        self.updated_at = now;
        Ok(())
    }
}

impl Order {
    /// Placed first and not paid yet.
    #[must_use]
    pub fn awaits_payment(&self) -> bool {
        self.status == OrderStatus::Pending && self.payment_status == PaymentStatus::Pending
    }

    /// Unpaid when its time to pay ran out: it is to be cancelled (`payment_timeout`).
    #[must_use]
    pub fn is_payment_overdue(&self, now: Timestamp) -> bool {
        self.awaits_payment() && self.payment_due_at.is_some_and(|due| due <= now)
    }

    /// Confirms an order awaiting payment with the method that settles it; the stock it held
    /// is now taken (the caller takes it in the same step).
    ///
    /// # Errors
    /// [`InvalidTransition`] unless it awaits payment; then nothing changes.
    pub fn confirm_payment(
        &mut self,
        method: &str,
        now: Timestamp,
    ) -> Result<(), InvalidTransition> {
        if !self.awaits_payment() {
            return Err(InvalidTransition {
                from: self.status,
                to: OrderStatus::Confirmed,
            });
        }
        self.times
            .transition(&mut self.status, OrderStatus::Confirmed, now)?;
        self.stock_taken = true;
        self.payment_due_at = None;
        method.clone_into(&mut self.payment_method);
        self.updated_at = now;
        Ok(())
    }

    /// Cancels for `reason`. True when its stock had been taken (it goes back to stock);
    /// false when it was only held (the hold is released). The caller moves the stock in the
    /// same step.
    ///
    /// # Errors
    /// [`InvalidTransition`] once it is being prepared or later; then nothing changes.
    pub fn cancel(&mut self, reason: &str, now: Timestamp) -> Result<bool, InvalidTransition> {
        self.times
            .transition(&mut self.status, OrderStatus::Cancelled, now)?;
        let taken = self.stock_taken;
        self.stock_taken = false;
        self.payment_due_at = None;
        self.cancel_reason = Some(reason.to_owned());
        self.updated_at = now;
        Ok(taken)
    }
}

#[cfg(test)]
mod tests {
    use merx_kernel::{Currency, PostalAddress};

    use super::*;

    fn pending(now: Timestamp) -> Order {
        let address = PostalAddress {
            name: "A".into(),
            phone: None,
            line1: "1".into(),
            line2: None,
            city: "C".into(),
            state: None,
            postal_code: "1".into(),
            country: "KR".into(),
        };
        Order {
            id: OrderId::new(),
            number: OrderNumber::new(2026, 1),
            user_id: None,
            email: "a@b.test".into(),
            status: OrderStatus::Pending,
            payment_status: PaymentStatus::Pending,
            currency: Currency::Krw,
            items: Vec::new(),
            totals: OrderTotals::default(),
            discount_code: None,
            shipping_address: address.clone(),
            billing_address: address,
            shipping_method: "standard".into(),
            payment_method: "tosspayments".into(),
            payment_provider_ref: None,
            tracking_number: None,
            notes: None,
            admin_note: None,
            cancel_reason: None,
            checkout_id: None,
            token_hash: None,
            stock_taken: false,
            payment_due_at: Some(now + chrono::Duration::minutes(15)),
            times: StatusTimes::default(),
            paid_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn paying_confirms_once_and_takes_the_held_stock() {
        let now = chrono::Utc::now();
        let mut order = pending(now);
        assert!(order.awaits_payment());
        assert!(!order.is_payment_overdue(now));
        assert!(order.is_payment_overdue(now + chrono::Duration::minutes(15)));
        order
            .confirm_payment("cash_on_delivery", now)
            .expect("pending");
        assert_eq!(order.status, OrderStatus::Confirmed);
        assert!(order.stock_taken && order.payment_due_at.is_none());
        assert_eq!(order.payment_method, "cash_on_delivery");
        let again = order.clone();
        assert!(order.confirm_payment("stripe", now).is_err());
        assert_eq!(order, again, "a refused confirmation changes nothing");
    }

    #[test]
    fn cancelling_says_whether_stock_goes_back_or_a_hold_is_released() {
        let now = chrono::Utc::now();
        let mut held = pending(now);
        assert_eq!(held.cancel("payment_timeout", now), Ok(false));
        assert_eq!(held.cancel_reason.as_deref(), Some("payment_timeout"));
        assert_eq!(held.times.cancelled_at, Some(now));
        let mut taken = pending(now);
        taken
            .confirm_payment("cash_on_delivery", now)
            .expect("pending");
        assert_eq!(taken.cancel("customer_request", now), Ok(true));
        assert!(!taken.stock_taken, "returned stock is not returned twice");
        let mut shipped = pending(now);
        shipped.status = OrderStatus::Shipped;
        let before = shipped.clone();
        assert!(shipped.cancel("customer_request", now).is_err());
        assert_eq!(shipped, before);
    }
}
