//! How an order reads in the audit log: the fields an admin's edit, cancellation or refund
//! can change (money in minor units of the order's currency).

use merx_kernel::audit::{Changes, Target};
use serde_json::{Value, json};

use crate::Order;

impl Order {
    #[must_use]
    pub fn audited(&self) -> Value {
        json!({
            "status": self.status.as_str(),
            "payment_status": self.payment_status.as_str(),
            "tracking_number": self.tracking_number,
            "admin_note": self.admin_note,
            "cancel_reason": self.cancel_reason.map(crate::CancelReason::as_str),
            "captured": self.ledger.captured,
            "refunded": self.ledger.refunded,
        })
    }

    #[must_use]
    pub fn audit_target(&self) -> Target {
        Target::new("order", self.id)
    }

    /// What changed from `before` to this order.
    #[must_use]
    pub fn changes_since(&self, before: &Self) -> Changes {
        Changes::between(&before.audited(), &self.audited())
    }
}

/// `draft` (an entry whose changes only the store can know) completed with what a change
/// under the order's lock did, from `before` to `after`: what a store writes with it.
#[must_use]
pub fn completed_audit(
    draft: Option<merx_kernel::AuditEntry>,
    before: &Order,
    after: &Order,
) -> Option<merx_kernel::AuditEntry> {
    draft.map(|d| merx_kernel::AuditEntry {
        changes: after.changes_since(before),
        ..d
    })
}
