//! Carts for guests (bound to a session id) and signed-in users: lines with free-form
//! metadata, ownership, 30-day expiry, the guest cart merged into the user's on login, and the
//! cart priced live from the catalog through the one quote function of `merx-pricing`.
//!
//! ```
//! use merx_cart::{Cart, CartCaller, CartId, CartOwner, Touch};
//! use merx_kernel::Currency;
//!
//! let now = chrono::Utc::now();
//! let cart = Cart {
//!     id: CartId::new(),
//!     owner: CartOwner::Guest("sess-0123456789".into()),
//!     currency: Currency::Usd,
//!     items: Vec::new(),
//!     discount_code: None,
//!     created_at: now,
//!     updated_at: now,
//!     expires_at: Touch::at(now).expires_at,
//! };
//! let owner = CartCaller { session: Some("sess-0123456789".into()), ..CartCaller::default() };
//! let stranger = CartCaller { session: Some("sess-someone-else".into()), ..CartCaller::default() };
//! assert!(cart.is_visible_to(&owner) && !cart.is_visible_to(&stranger));
//! // A cart lives 30 days after its last change.
//! assert!(cart.is_expired(now + chrono::Duration::days(31)));
//! ```

mod cart;
mod error;
mod ports;
mod quote;
mod service;
mod sign_in;
mod view;

pub use cart::{
    CART_LIFETIME_DAYS, Cart, CartCaller, CartId, CartItem, CartItemId, CartOwner,
    MAX_LINE_QUANTITY, MAX_LINES, Touch,
};
pub use error::{CartError, Shortfall};
pub use ports::*;
pub use quote::{QuoteAsk, QuoteSource, ShippingOption};
pub use service::{CartService, NewLine, ProductRef};
pub use sign_in::{SignedIn, sign_in};
pub use view::{CartView, LineView};
