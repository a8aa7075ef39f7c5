//! What customers bought, read from the orders [`MemoryCheckout`] keeps.

use async_trait::async_trait;
use merx_identity::UserId;
use merx_kernel::{ProductId, StoreError};
use merx_orders::PaymentStatus;
use merx_reviews::Purchases;

use crate::{MemoryCheckout, lock};

#[async_trait]
impl Purchases for MemoryCheckout {
    async fn has_order_holding(
        &self,
        user: UserId,
        product: ProductId,
        paid: &[PaymentStatus],
    ) -> Result<bool, StoreError> {
        Ok(lock(&self.state).orders.values().any(|o| {
            o.user_id == Some(user)
                && paid.contains(&o.payment_status)
                && o.items.iter().any(|i| i.product_id == product)
        }))
    }
}
