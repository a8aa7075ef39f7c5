//! Orders in memory: reading, listing and admin edits. They are kept by [`MemoryCheckout`],
//! whose lock also covers placing, confirming and cancelling them.

use async_trait::async_trait;
use merx_kernel::{AuditEntry, Page, PageRequest, StoreError, Timestamp};
use merx_orders::{Order, OrderFilter, OrderId, OrderRepository};

use crate::{MemoryCheckout, lock};

#[async_trait]
impl OrderRepository for MemoryCheckout {
    async fn find(&self, id: OrderId) -> Result<Option<Order>, StoreError> {
        Ok(lock(&self.state).orders.get(&id).cloned())
    }

    async fn list(
        &self,
        filter: OrderFilter,
        page: PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        let mut all: Vec<Order> = lock(&self.state)
            .orders
            .values()
            .filter(|o| filter.user.is_none() || o.user_id == filter.user)
            .filter(|o| filter.status.is_none_or(|s| o.status == s))
            .cloned()
            .collect();
        all.sort_by_key(|o| std::cmp::Reverse((o.created_at, o.id)));
        Ok(Page::of_all(all, page))
    }

    async fn update(
        &self,
        order: &Order,
        seen: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.state);
        match state.orders.get_mut(&order.id) {
            Some(o) if o.updated_at == seen => {
                let before = std::mem::replace(o, order.clone());
                self.announce(&state, Some(&before), order.id, order.updated_at);
                self.stock.audit_log().record(audit);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
