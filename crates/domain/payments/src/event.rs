//! A provider's webhook, verified and read in Merx's terms.

use merx_kernel::Money;

use crate::{PaymentMethod, PaymentSubject};

/// One verified provider event. `(provider, id)` identifies it: a repeat is the same event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentEvent {
    pub provider: PaymentMethod,
    pub id: String,
    /// The provider's name for it (`checkout.session.completed`, …).
    pub kind: String,
    pub fact: PaymentFact,
}

/// What an event says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentFact {
    /// Money was captured for `subject`.
    Paid {
        subject: Option<PaymentSubject>,
        amount: Money,
        /// The provider's id of the payment (a PaymentIntent id).
        payment_ref: Option<String>,
    },
    /// The buyer finished but the money is not in yet (a delayed method): nothing to do until
    /// it is.
    AwaitingFunds,
    /// The started payment can no longer be paid.
    Expired { subject: Option<PaymentSubject> },
    /// An attempt failed; another may follow.
    Failed {
        subject: Option<PaymentSubject>,
        payment_ref: Option<String>,
    },
    /// The payment has `refunded_total` (minor units) refunded in all, by whoever.
    Refunded {
        payment_ref: String,
        refunded_total: i64,
        refund_ref: Option<String>,
    },
    /// The buyer disputed the payment with their bank.
    Disputed { payment_ref: String },
    /// A type Merx does not act on (acknowledged all the same).
    Ignored,
}
