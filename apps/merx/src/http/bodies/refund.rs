//! A refund as the order routes and a personal-data export show it.

use serde::Serialize;
use utoipa::ToSchema;

/// A refund of spec §12.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundBody {
    pub id: uuid::Uuid,
    pub order_id: uuid::Uuid,
    /// Minor units of `currency`.
    pub amount: i64,
    #[schema(value_type = String, example = "USD")]
    pub currency: merx_kernel::Currency,
    /// `pending`, `succeeded` or `failed`.
    pub status: &'static str,
    pub provider_ref: Option<String>,
    pub reason: Option<String>,
    pub restocked: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<merx_orders::Refund> for RefundBody {
    fn from(r: merx_orders::Refund) -> Self {
        Self {
            id: *r.id.as_uuid(),
            order_id: *r.order_id.as_uuid(),
            amount: r.amount,
            currency: r.currency,
            status: r.status.as_str(),
            provider_ref: r.provider_ref,
            reason: r.reason,
            restocked: r.restocked,
            created_at: r.created_at,
        }
    }
}
