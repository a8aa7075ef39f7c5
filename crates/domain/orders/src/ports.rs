use async_trait::async_trait;
use merx_kernel::audit::AuditEntry;
use merx_kernel::{Page, PageRequest, StoreError, Timestamp};

use crate::{Order, OrderFilter, OrderId};

/// Orders as stored. Placing and cancelling (which also move stock) go through
/// `merx-checkout`'s store; this port reads orders and saves edits that touch nothing else.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OrderRepository: Send + Sync {
    async fn find(&self, id: OrderId) -> Result<Option<Order>, StoreError>;

    /// Newest first.
    async fn list(&self, filter: OrderFilter, page: PageRequest)
    -> Result<Page<Order>, StoreError>;

    /// Saves `order` when the stored one was last changed at `seen` (so two edits never
    /// overwrite each other), with the edit's audit entry when given; false when it was
    /// changed since, or is gone (then neither is stored).
    async fn update(
        &self,
        order: &Order,
        seen: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<bool, StoreError>;
}
