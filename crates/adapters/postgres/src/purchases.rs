//! What customers bought, read from their orders' items (the `orders_items` GIN index).

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use merx_identity::UserId;
use merx_kernel::{ProductId, StoreError};
use merx_orders::PaymentStatus;
use merx_reviews::Purchases;

use crate::PgOrders;
use crate::database::conn;
use crate::error::store_error;
use crate::schema::orders;

#[async_trait]
impl Purchases for PgOrders {
    async fn has_order_holding(
        &self,
        user: UserId,
        product: ProductId,
        paid: &[PaymentStatus],
    ) -> Result<bool, StoreError> {
        let mut c = conn(self.pool()).await?;
        let holding = serde_json::json!([{ "product_id": product }]);
        let statuses: Vec<&str> = paid.iter().map(|s| s.as_str()).collect();
        diesel::select(diesel::dsl::exists(
            orders::table
                .filter(orders::user_id.eq(*user.as_uuid()))
                .filter(orders::payment_status.eq_any(statuses))
                .filter(orders::items.contains(holding)),
        ))
        .get_result(&mut c)
        .await
        .map_err(store_error)
    }
}
