//! Orders: what was bought (an item snapshot that later catalog edits do not change), the
//! human order number, and the status machine of spec §6. Storage ports and the checkout use
//! case build on these types.

mod number;
mod status;

pub use number::OrderNumber;
pub use status::{InvalidTransition, OrderStatus, PaymentStatus, StatusTimes};
