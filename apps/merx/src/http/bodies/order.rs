//! The order body of spec §6, shared by the order and checkout-session routes.

use merx_kernel::{Currency, PostalAddress};
use merx_orders::{Order, OrderItem};
use serde::Serialize;
use utoipa::ToSchema;

/// A bought line as it was when the order was placed.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderItemBody {
    pub product_id: uuid::Uuid,
    pub variant_id: uuid::Uuid,
    pub sku: String,
    pub name: String,
    pub variant_name: String,
    pub image: Option<String>,
    /// Minor units of the order's currency.
    pub unit_price: i64,
    pub quantity: i64,
    pub line_total: i64,
    /// The line's share of the order discount.
    pub discount: i64,
    /// Tax on `line_total − discount`.
    pub tax: i64,
}

impl From<&OrderItem> for OrderItemBody {
    fn from(i: &OrderItem) -> Self {
        Self {
            product_id: *i.product_id.as_uuid(),
            variant_id: *i.variant_id.as_uuid(),
            sku: i.sku.clone(),
            name: i.name.clone(),
            variant_name: i.variant_name.clone(),
            image: i.image.clone(),
            unit_price: i.unit_price,
            quantity: i.quantity,
            line_total: i.line_total,
            discount: i.discount,
            tax: i.tax,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderTimestamps {
    pub created: chrono::DateTime<chrono::Utc>,
    pub confirmed: Option<chrono::DateTime<chrono::Utc>>,
    pub paid: Option<chrono::DateTime<chrono::Utc>>,
    pub shipped: Option<chrono::DateTime<chrono::Utc>>,
    pub delivered: Option<chrono::DateTime<chrono::Utc>>,
    pub cancelled: Option<chrono::DateTime<chrono::Utc>>,
}

/// The order of spec §6. Money in minor units of `currency`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderBody {
    pub id: uuid::Uuid,
    #[schema(example = "MRX-2026-000123")]
    pub order_number: String,
    pub user_id: Option<uuid::Uuid>,
    pub email: String,
    #[schema(example = "confirmed")]
    pub status: String,
    #[schema(example = "pending")]
    pub payment_status: String,
    #[schema(value_type = String, example = "USD")]
    pub currency: Currency,
    pub items: Vec<OrderItemBody>,
    pub subtotal: i64,
    pub discount_total: i64,
    pub tax_total: i64,
    pub shipping_total: i64,
    pub total: i64,
    pub discount_code: Option<String>,
    #[schema(value_type = Object)]
    pub shipping_address: PostalAddress,
    #[schema(value_type = Object)]
    pub billing_address: PostalAddress,
    pub shipping_method: String,
    pub tracking_number: Option<String>,
    pub payment_method: String,
    pub payment_provider_ref: Option<String>,
    pub notes: Option<String>,
    /// Shown to admins only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_note: Option<String>,
    pub cancel_reason: Option<String>,
    /// An unpaid order placed first is cancelled at this time.
    pub payment_due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub checkout_id: Option<uuid::Uuid>,
    pub timestamps: OrderTimestamps,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub paid_at: Option<chrono::DateTime<chrono::Utc>>,
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub shipped_at: Option<chrono::DateTime<chrono::Utc>>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub cancelled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What an admin should look at: `amount_mismatch`, `paid_after_expiry`, `disputed`,
    /// `tax_exempt`.
    #[schema(example = json!([]))]
    pub flags: Vec<&'static str>,
    /// The business tax id the order was placed exempt from tax under (flag `tax_exempt`).
    pub tax_id: Option<String>,
    /// Minor units given back so far.
    pub refunded_total: i64,
}

/// The order as `viewer` may see it.
#[must_use]
pub fn order_body(o: &Order, admin: bool) -> OrderBody {
    let t = &o.times;
    OrderBody {
        id: *o.id.as_uuid(),
        order_number: o.number.to_string(),
        user_id: o.user_id.map(|u| *u.as_uuid()),
        email: o.email.clone(),
        status: o.status.as_str().to_owned(),
        payment_status: o.payment_status.as_str().to_owned(),
        currency: o.currency,
        items: o.items.iter().map(OrderItemBody::from).collect(),
        subtotal: o.totals.subtotal,
        discount_total: o.totals.discount_total,
        tax_total: o.totals.tax_total,
        shipping_total: o.totals.shipping_total,
        total: o.totals.total,
        discount_code: o.discount_code.clone(),
        shipping_address: o.shipping_address.clone(),
        billing_address: o.billing_address.clone(),
        shipping_method: o.shipping_method.clone(),
        tracking_number: o.tracking_number.clone(),
        payment_method: o.payment_method.as_str().to_owned(),
        payment_provider_ref: o.payment_provider_ref.clone(),
        notes: o.notes.clone(),
        admin_note: if admin { o.admin_note.clone() } else { None },
        cancel_reason: o.cancel_reason.map(|r| r.as_str().to_owned()),
        payment_due_at: o.payment_due_at,
        checkout_id: o.checkout_id,
        timestamps: OrderTimestamps {
            created: o.created_at,
            confirmed: t.confirmed_at,
            paid: o.paid_at,
            shipped: t.shipped_at,
            delivered: t.delivered_at,
            cancelled: t.cancelled_at,
        },
        created_at: o.created_at,
        updated_at: o.updated_at,
        paid_at: o.paid_at,
        confirmed_at: t.confirmed_at,
        shipped_at: t.shipped_at,
        delivered_at: t.delivered_at,
        cancelled_at: t.cancelled_at,
        flags: o.flags.iter().map(|f| f.as_str()).collect(),
        tax_id: o.tax_id.clone(),
        refunded_total: o.ledger.refunded,
    }
}
