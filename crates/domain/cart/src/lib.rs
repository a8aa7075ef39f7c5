//! Carts for guests (bound to a session id) and signed-in users: lines with free-form
//! metadata, ownership, 30-day expiry, the guest cart merged into the user's on login, and the
//! cart priced live from the catalog through the one quote function of `merx-pricing`.

mod cart;
mod error;
mod ports;
mod quote;
mod service;
mod view;

pub use cart::{
    CART_LIFETIME_DAYS, Cart, CartCaller, CartId, CartItem, CartItemId, CartOwner,
    MAX_LINE_QUANTITY, Touch,
};
pub use error::{CartError, Shortfall};
pub use ports::*;
pub use quote::{QuoteAsk, QuoteSource, ShippingOption};
pub use service::{CartService, NewLine, ProductRef};
pub use view::{CartView, LineView};
