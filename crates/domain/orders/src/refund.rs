use merx_kernel::{Currency, Timestamp};
use serde::{Deserialize, Serialize};

use crate::OrderId;

merx_kernel::typed_id!(
    /// Identifies a refund.
    RefundId
);

impl RefundId {
    /// The Idempotency-Key a provider call for this refund carries.
    #[must_use]
    pub fn idempotency_key(self) -> String {
        format!("merx-refund-{self}")
    }
}

/// Where a refund is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Counted in the ledger, the provider not answered yet.
    Pending,
    Succeeded,
    /// The provider refused or could not be reached; the amount is back in the ledger.
    Failed,
}

impl RefundStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Succeeded, Self::Failed]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// Money given back for an order (spec §12), one row per refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: RefundId,
    pub order_id: OrderId,
    /// Minor units of `currency`.
    pub amount: i64,
    pub currency: Currency,
    pub status: RefundStatus,
    pub provider_ref: Option<String>,
    pub reason: Option<String>,
    /// Its order's units went back to stock with it.
    pub restocked: bool,
    pub created_at: Timestamp,
}
