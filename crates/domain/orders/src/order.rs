use merx_identity::UserId;
use merx_kernel::{Currency, PaymentMethod, PostalAddress, ProductId, Timestamp, VariantId};
use serde::{Deserialize, Serialize};

use crate::{
    InvalidTransition, OrderNumber, OrderStatus, PaymentLedger, PaymentStatus, StatusTimes,
};

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
    pub payment_method: PaymentMethod,
    pub payment_provider_ref: Option<String>,
    pub tracking_number: Option<String>,
    pub notes: Option<String>,
    pub admin_note: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<CancelReason>,
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
    /// What an admin should look at (spec §12); empty by default.
    pub flags: Vec<OrderFlag>,
    /// The money taken and given back.
    pub ledger: PaymentLedger,
    /// The business tax id the order was exempted from tax under (spec §17), if it was.
    pub tax_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Why an admin should look at an order (spec §12 `flags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderFlag {
    /// A paid event's amount or currency differed from the order's: never confirmed by it.
    AmountMismatch,
    /// The payment succeeded after its reservation had expired.
    PaidAfterExpiry,
    /// The buyer disputed the charge with their bank.
    Disputed,
    /// Placed without tax under a business tax id (spec §17): an admin checks the id.
    TaxExempt,
}

impl OrderFlag {
    pub const ALL: [Self; 4] = [
        Self::AmountMismatch,
        Self::PaidAfterExpiry,
        Self::Disputed,
        Self::TaxExempt,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AmountMismatch => "amount_mismatch",
            Self::PaidAfterExpiry => "paid_after_expiry",
            Self::Disputed => "disputed",
            Self::TaxExempt => "tax_exempt",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// What an order is made of when it is placed: everything but its status, which the
/// constructors ([`Order::confirmed`], [`Order::awaiting_payment`]) decide.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    pub id: OrderId,
    pub number: OrderNumber,
    pub user_id: Option<UserId>,
    pub email: String,
    pub currency: Currency,
    pub items: Vec<OrderItem>,
    pub totals: OrderTotals,
    pub discount_code: Option<String>,
    pub shipping_address: PostalAddress,
    pub billing_address: PostalAddress,
    pub shipping_method: String,
    pub payment_method: PaymentMethod,
    pub payment_provider_ref: Option<String>,
    pub notes: Option<String>,
    pub checkout_id: Option<uuid::Uuid>,
    pub token_hash: Option<String>,
    /// The tax id its quote was exempted under; such an order is flagged `tax_exempt`.
    pub tax_id: Option<String>,
}

impl Order {
    /// Records that the order's total was captured now.
    fn record_payment(&mut self, now: Timestamp) {
        self.payment_status = PaymentStatus::Paid;
        self.paid_at = Some(now);
        self.ledger.captured = self.totals.total;
    }

    pub(crate) fn placed(new: NewOrder, status: OrderStatus, now: Timestamp) -> Self {
        Self {
            id: new.id,
            number: new.number,
            user_id: new.user_id,
            email: new.email,
            status,
            payment_status: PaymentStatus::Pending,
            currency: new.currency,
            items: new.items,
            totals: new.totals,
            discount_code: new.discount_code,
            shipping_address: new.shipping_address,
            billing_address: new.billing_address,
            shipping_method: new.shipping_method,
            payment_method: new.payment_method,
            payment_provider_ref: new.payment_provider_ref,
            tracking_number: None,
            notes: new.notes,
            admin_note: None,
            cancel_reason: None,
            checkout_id: new.checkout_id,
            token_hash: new.token_hash,
            stock_taken: false,
            payment_due_at: None,
            times: StatusTimes::default(),
            paid_at: None,
            flags: if new.tax_id.is_some() {
                vec![OrderFlag::TaxExempt]
            } else {
                Vec::new()
            },
            ledger: PaymentLedger::default(),
            tax_id: new.tax_id,
            created_at: now,
            updated_at: now,
        }
    }

    /// A checkout session's order: confirmed at `now`, its units taken from stock in the same
    /// step; paid when the payment was captured (else paid on delivery).
    #[must_use]
    pub fn confirmed(new: NewOrder, paid: bool, now: Timestamp) -> Self {
        let mut order = Self::placed(new, OrderStatus::Confirmed, now);
        order.stock_taken = true;
        order.times.confirmed_at = Some(now);
        if paid {
            order.record_payment(now);
        }
        order
    }

    /// An order placed before payment (orders-first flow): pending, its units held (not
    /// taken) until `payment_due_at`, when an unpaid order is cancelled.
    #[must_use]
    pub fn awaiting_payment(new: NewOrder, payment_due_at: Timestamp, now: Timestamp) -> Self {
        let mut order = Self::placed(new, OrderStatus::Pending, now);
        order.payment_due_at = Some(payment_due_at);
        order
    }

    /// Starts a refund of `requested` (all that is left when `None`): counts it in the
    /// ledger now, so concurrent refunds never give back more than was captured, and sets the
    /// payment status the ledger shows. With `restock`, units that left stock go back (once).
    /// Answers the refund to make with the provider, and whether stock is to be returned.
    ///
    /// # Errors
    /// The [`crate::RefundRefusal`] that stops it; then nothing changes.
    pub fn begin_refund(
        &mut self,
        requested: Option<i64>,
        reason: Option<String>,
        restock: bool,
        now: Timestamp,
    ) -> Result<crate::Refund, crate::RefundRefusal> {
        let amount = self.ledger.refund_amount(requested)?;
        self.ledger = self.ledger.with_refund(amount);
        if let Some(status) = self.ledger.payment_status() {
            self.payment_status = status;
        }
        let restocked = restock && self.stock_taken;
        if restocked {
            self.stock_taken = false;
        }
        self.updated_at = now;
        Ok(crate::Refund {
            id: crate::RefundId::new(),
            order_id: self.id,
            amount,
            currency: self.currency,
            status: crate::RefundStatus::Pending,
            provider_ref: None,
            reason,
            restocked,
            created_at: now,
        })
    }

    /// A refund the provider refused or never answered: its amount is refundable again.
    /// (Stock it returned stays returned: the goods are back on the shelf either way.)
    pub fn refund_failed(&mut self, refund: &crate::Refund, now: Timestamp) {
        self.ledger.refunded = (self.ledger.refunded - refund.amount).max(0);
        self.payment_status = self
            .ledger
            .payment_status()
            .unwrap_or(PaymentStatus::Pending);
        self.updated_at = now;
    }

    /// Money is to go back through the provider before this order may be cancelled.
    #[must_use]
    pub fn is_refund_due_on_cancel(&self) -> bool {
        self.ledger.refundable() > 0
    }

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

/// The payment that confirms an order awaiting it: by which method, and whether the money is
/// in (false: it is collected on delivery).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub method: PaymentMethod,
    pub paid: bool,
    /// The provider's id of the payment (a PaymentIntent id), when it has one.
    pub provider_ref: Option<String>,
}

/// What a cancelled order leaves for its store to undo, in the same transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancellation {
    /// Its units had left stock: they go back. Otherwise they were only held, and the hold is
    /// released.
    pub returns_stock: bool,
    /// It never became a sale (it still awaited payment): the discount use it counted is
    /// given back.
    pub gives_back_discount: bool,
}

/// Why an order was cancelled (`cancel_reason` in its body).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// Its customer (or a guest with its token) cancelled it.
    CustomerRequest,
    Admin,
    /// Unpaid when its time to pay ran out.
    PaymentTimeout,
}

impl CancelReason {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CustomerRequest => "customer_request",
            Self::Admin => "admin",
            Self::PaymentTimeout => "payment_timeout",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::CustomerRequest, Self::Admin, Self::PaymentTimeout]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// The reason a cancel by `viewer` records.
    #[must_use]
    pub fn of(viewer: &OrderViewer) -> Self {
        if viewer.is_admin {
            Self::Admin
        } else {
            Self::CustomerRequest
        }
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

/// An admin's change to an order (spec §6 `PATCH /orders/{id}`). Cancelling and confirming
/// an unpaid order also move stock, so they are the checkout's; every other move goes through
/// the status machine here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderEdit {
    pub status: Option<OrderStatus>,
    /// Only `paid`: a payment the admin received by hand.
    pub payment_status: Option<PaymentStatus>,
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
        if edit.payment_status == Some(PaymentStatus::Paid)
            && self.payment_status != PaymentStatus::Paid
        {
            if !matches!(
                self.payment_status,
                PaymentStatus::Pending | PaymentStatus::Failed
            ) || self.status == OrderStatus::Cancelled
            {
                // A refunded or cancelled order is not paid again by an edit.
                return Err(InvalidTransition {
                    from: self.status,
                    to: self.status,
                });
            }
            self.record_payment(now);
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
        // A failed attempt keeps the order for another try (spec §12).
        self.status == OrderStatus::Pending
            && matches!(
                self.payment_status,
                PaymentStatus::Pending | PaymentStatus::Failed
            )
    }

    /// Unpaid when its time to pay ran out: it is to be cancelled (`payment_timeout`).
    #[must_use]
    pub fn is_payment_overdue(&self, now: Timestamp) -> bool {
        self.awaits_payment() && self.payment_due_at.is_some_and(|due| due <= now)
    }

    /// Confirms an order awaiting payment with the payment that settles it; the stock it held
    /// is now taken (the caller takes it in the same step).
    ///
    /// # Errors
    /// [`InvalidTransition`] unless it awaits payment; then nothing changes.
    pub fn confirm_payment(
        &mut self,
        payment: &Settlement,
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
        self.payment_method = payment.method;
        if payment.provider_ref.is_some() {
            self.payment_provider_ref.clone_from(&payment.provider_ref);
        }
        if payment.paid {
            self.record_payment(now);
        }
        self.updated_at = now;
        Ok(())
    }

    /// How an admin's edit confirms this order, if it does (spec §15): an order awaiting
    /// payment is confirmed by an edit to `confirmed` or to `payment_status: paid` only when
    /// its method settles on delivery (cash on delivery) or the same edit records the payment
    /// (`paid`). `None`: the edit does not confirm an unpaid order.
    ///
    /// # Errors
    /// [`InvalidTransition`] to `confirmed` for an unpaid card order that the edit does not
    /// record as paid.
    pub fn confirmation_by(
        &self,
        edit: &OrderEdit,
        settles_on_delivery: bool,
    ) -> Result<Option<Settlement>, InvalidTransition> {
        let records_payment = edit.payment_status == Some(PaymentStatus::Paid);
        let confirms = edit.status == Some(OrderStatus::Confirmed) || records_payment;
        if !self.awaits_payment() || !confirms {
            return Ok(None);
        }
        if edit.status.is_some_and(|s| s != OrderStatus::Confirmed)
            || !(settles_on_delivery || records_payment)
        {
            return Err(InvalidTransition {
                from: self.status,
                to: OrderStatus::Confirmed,
            });
        }
        Ok(Some(Settlement {
            method: self.payment_method,
            paid: records_payment,
            provider_ref: None,
        }))
    }

    /// Cancels for `reason` and says what the store must undo in the same step.
    ///
    /// # Errors
    /// [`InvalidTransition`] once it is being prepared or later; then nothing changes.
    pub fn cancel(
        &mut self,
        reason: CancelReason,
        now: Timestamp,
    ) -> Result<Cancellation, InvalidTransition> {
        let never_sold = self.awaits_payment();
        self.times
            .transition(&mut self.status, OrderStatus::Cancelled, now)?;
        let returns_stock = self.stock_taken;
        self.stock_taken = false;
        self.payment_due_at = None;
        self.cancel_reason = Some(reason);
        self.updated_at = now;
        Ok(Cancellation {
            returns_stock,
            gives_back_discount: never_sold,
        })
    }
}

/// A confirmed, paid order of one line (for examples and tests).
pub(crate) fn example_order() -> Order {
    let now = chrono::Utc::now();
    let address = merx_kernel::PostalAddress {
        name: "Ada Buyer".into(),
        phone: None,
        line1: "1 Main St".into(),
        line2: None,
        city: "Springfield".into(),
        state: None,
        postal_code: "12345".into(),
        country: "US".into(),
    };
    let new = NewOrder {
        id: OrderId::new(),
        number: OrderNumber::new(2026, 1),
        user_id: None,
        email: "ada@example.test".into(),
        currency: merx_kernel::Currency::Usd,
        items: Vec::new(),
        totals: OrderTotals {
            subtotal: 34_498,
            total: 34_498,
            ..OrderTotals::default()
        },
        discount_code: None,
        shipping_address: address.clone(),
        billing_address: address,
        shipping_method: "standard".into(),
        payment_method: PaymentMethod::Stripe,
        payment_provider_ref: Some("pi_example".into()),
        notes: None,
        checkout_id: None,
        token_hash: None,
        tax_id: None,
    };
    Order::confirmed(new, true, now)
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
            payment_method: PaymentMethod::TossPayments,
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
            flags: Vec::new(),
            ledger: PaymentLedger::default(),
            tax_id: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_sessions_order_is_confirmed_with_its_stock_taken_and_one_placed_first_waits() {
        let now = chrono::Utc::now();
        let template = pending(now);
        let new = NewOrder {
            id: template.id,
            number: template.number,
            user_id: None,
            email: template.email.clone(),
            currency: template.currency,
            items: Vec::new(),
            totals: OrderTotals::default(),
            discount_code: None,
            shipping_address: template.shipping_address.clone(),
            billing_address: template.billing_address.clone(),
            shipping_method: "standard".into(),
            payment_method: PaymentMethod::Stripe,
            payment_provider_ref: Some("pi_1".into()),
            notes: None,
            checkout_id: None,
            token_hash: None,
            tax_id: None,
        };
        let paid = Order::confirmed(new.clone(), true, now);
        assert_eq!(
            (paid.status, paid.payment_status, paid.stock_taken),
            (OrderStatus::Confirmed, PaymentStatus::Paid, true)
        );
        assert_eq!(
            (paid.paid_at, paid.times.confirmed_at),
            (Some(now), Some(now))
        );
        let on_delivery = Order::confirmed(new.clone(), false, now);
        assert_eq!(on_delivery.payment_status, PaymentStatus::Pending);
        assert_eq!(on_delivery.paid_at, None);
        let due = now + chrono::Duration::minutes(15);
        let first = Order::awaiting_payment(new, due, now);
        assert!(first.awaits_payment() && !first.stock_taken);
        assert_eq!(first.payment_due_at, Some(due));
        assert!(first.is_payment_overdue(due));
    }

    fn cod() -> Settlement {
        Settlement {
            method: merx_kernel::PaymentMethod::CashOnDelivery,
            paid: false,
            provider_ref: None,
        }
    }

    #[test]
    fn an_admin_confirms_unpaid_cash_on_delivery_or_with_a_recorded_payment() {
        let now = chrono::Utc::now();
        let to_confirmed = OrderEdit {
            status: Some(OrderStatus::Confirmed),
            ..OrderEdit::default()
        };
        let card = pending(now);
        assert!(card.confirmation_by(&to_confirmed, false).is_err());
        assert_eq!(
            card.confirmation_by(&to_confirmed, true),
            Ok(Some(Settlement {
                method: merx_kernel::PaymentMethod::TossPayments,
                paid: false,
                provider_ref: None,
            }))
        );
        let paid = OrderEdit {
            payment_status: Some(PaymentStatus::Paid),
            ..to_confirmed.clone()
        };
        assert_eq!(
            card.confirmation_by(&paid, false)
                .map(|s| s.map(|s| s.paid)),
            Ok(Some(true)),
            "a manual payment confirms a card order"
        );
        let shipped = OrderEdit {
            status: Some(OrderStatus::Shipped),
            payment_status: Some(PaymentStatus::Paid),
            ..OrderEdit::default()
        };
        assert!(card.confirmation_by(&shipped, true).is_err());
        let note = OrderEdit {
            admin_note: Some(Some("call first".into())),
            ..OrderEdit::default()
        };
        assert_eq!(card.confirmation_by(&note, false), Ok(None));
        let mut confirmed = pending(now);
        confirmed.confirm_payment(&cod(), now).expect("pending");
        assert_eq!(confirmed.confirmation_by(&paid, false), Ok(None));
        confirmed.apply(&paid, now).expect("records the payment");
        assert_eq!(confirmed.payment_status, PaymentStatus::Paid);
        assert_eq!(confirmed.paid_at, Some(now));
    }

    #[test]
    fn refunds_count_at_once_restock_once_and_fail_back() {
        let now = chrono::Utc::now();
        let mut order = pending(now);
        order.totals.total = 10_000;
        let paid = Settlement {
            method: merx_kernel::PaymentMethod::CashOnDelivery,
            paid: true,
            provider_ref: None,
        };
        order.confirm_payment(&paid, now).expect("pending");
        assert!(order.is_refund_due_on_cancel());
        let first = order
            .begin_refund(Some(4_000), None, true, now)
            .expect("within the captured");
        assert!(first.restocked && !order.stock_taken);
        assert_eq!(order.payment_status, PaymentStatus::PartiallyRefunded);
        let second = order.begin_refund(None, None, true, now).expect("the rest");
        assert_eq!(second.amount, 6_000);
        assert!(!second.restocked, "units go back once");
        assert_eq!(order.payment_status, PaymentStatus::Refunded);
        assert!(order.begin_refund(None, None, false, now).is_err());
        order.refund_failed(&second, now);
        assert_eq!(order.ledger.refundable(), 6_000);
        assert_eq!(order.payment_status, PaymentStatus::PartiallyRefunded);
    }

    #[test]
    fn paying_confirms_once_and_takes_the_held_stock() {
        let now = chrono::Utc::now();
        let mut order = pending(now);
        assert!(order.awaits_payment());
        assert!(!order.is_payment_overdue(now));
        assert!(order.is_payment_overdue(now + chrono::Duration::minutes(15)));
        order.confirm_payment(&cod(), now).expect("pending");
        assert_eq!(order.status, OrderStatus::Confirmed);
        assert!(order.stock_taken && order.payment_due_at.is_none());
        assert_eq!(order.payment_method, PaymentMethod::CashOnDelivery);
        let again = order.clone();
        let card = Settlement {
            method: merx_kernel::PaymentMethod::Stripe,
            paid: true,
            provider_ref: None,
        };
        assert!(order.confirm_payment(&card, now).is_err());
        assert_eq!(order, again, "a refused confirmation changes nothing");
    }

    #[test]
    fn cancelling_says_whether_stock_goes_back_or_a_hold_is_released() {
        let now = chrono::Utc::now();
        let mut held = pending(now);
        assert_eq!(
            held.cancel(CancelReason::PaymentTimeout, now),
            Ok(Cancellation {
                returns_stock: false,
                gives_back_discount: true
            })
        );
        assert_eq!(held.cancel_reason, Some(CancelReason::PaymentTimeout));
        assert_eq!(held.times.cancelled_at, Some(now));
        let mut taken = pending(now);
        taken.confirm_payment(&cod(), now).expect("pending");
        assert_eq!(
            taken.cancel(CancelReason::CustomerRequest, now),
            Ok(Cancellation {
                returns_stock: true,
                gives_back_discount: false
            }),
            "a sale keeps its discount use"
        );
        assert!(!taken.stock_taken, "returned stock is not returned twice");
        let mut shipped = pending(now);
        shipped.status = OrderStatus::Shipped;
        let before = shipped.clone();
        assert!(shipped.cancel(CancelReason::CustomerRequest, now).is_err());
        assert_eq!(shipped, before);
    }
}
