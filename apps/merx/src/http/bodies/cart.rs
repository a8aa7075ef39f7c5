//! The cart body of spec §4, shared by the cart, calculator and discount routes.

use actix_web::http::StatusCode;
use merx_cart::{Cart, CartService, CartView};
use merx_kernel::Currency;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::state::AppState;

/// A line of the cart, priced live.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartItemBody {
    pub id: uuid::Uuid,
    pub product_id: uuid::Uuid,
    pub variant_id: uuid::Uuid,
    pub sku: String,
    pub name: String,
    pub variant_name: String,
    pub image_url: Option<String>,
    /// Minor units of the cart's currency.
    pub unit_price: i64,
    pub quantity: i64,
    pub line_total: i64,
    /// Whether the line can be bought as it is (active product, enough stock).
    pub available: bool,
    pub available_quantity: i64,
    /// What the client attached to the line, returned as it was sent.
    #[schema(value_type = Object)]
    pub metadata: Map<String, Value>,
}

/// The cart of spec §4. Without an address `shipping` and `tax` are 0: the checkout
/// calculators and sessions add them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CartBody {
    pub id: uuid::Uuid,
    pub user_id: Option<uuid::Uuid>,
    pub session_id: Option<String>,
    #[schema(value_type = String, example = "USD")]
    pub currency: Currency,
    pub items: Vec<CartItemBody>,
    pub item_count: i64,
    pub subtotal: i64,
    pub discount_code: Option<String>,
    pub discount: i64,
    pub shipping: i64,
    pub tax: i64,
    pub total: i64,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<CartView> for CartBody {
    fn from(v: CartView) -> Self {
        let item_count = v.item_count();
        let q = &v.quote;
        Self {
            id: *v.cart.id.as_uuid(),
            user_id: v.cart.user_id().map(|u| *u.as_uuid()),
            session_id: v.cart.session_id().map(str::to_owned),
            currency: v.cart.currency,
            items: v
                .lines
                .into_iter()
                .map(|l| CartItemBody {
                    id: *l.item.id.as_uuid(),
                    product_id: *l.product_id.as_uuid(),
                    variant_id: *l.variant_id.as_uuid(),
                    sku: l.sku,
                    name: l.name,
                    variant_name: l.variant_name,
                    image_url: l.image_url,
                    unit_price: l.unit_price.amount(),
                    quantity: l.item.quantity,
                    line_total: l.line_total.amount(),
                    available: l.available,
                    available_quantity: l.available_quantity,
                    metadata: l.item.metadata,
                })
                .collect(),
            item_count,
            subtotal: q.subtotal.amount(),
            discount_code: v.cart.discount_code.clone(),
            discount: q.discount_total.amount(),
            shipping: q.shipping_total.amount(),
            tax: q.tax_total.amount(),
            total: q.grand_total.amount(),
            expires_at: v.cart.expires_at,
            created_at: v.cart.created_at,
            updated_at: v.cart.updated_at,
        }
    }
}

/// A quantity as the client sent it; anything but an integer in range is `quantity_invalid`.
pub fn quantity_of(raw: Option<&Value>, default: Option<i64>) -> Result<i64, ApiError> {
    let invalid = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantity_invalid",
            "quantity must be a whole number from 1 to 99",
        )
    };
    match raw {
        None | Some(Value::Null) => default.ok_or_else(invalid),
        Some(v) => v.as_i64().ok_or_else(invalid),
    }
}

/// The cart priced now, as clients see it.
pub async fn cart_body(state: &AppState, cart: Cart) -> Result<CartBody, ApiError> {
    let customer = CartService::customer_of(&cart);
    Ok(CartBody::from(state.carts.view(cart, &customer).await?))
}
