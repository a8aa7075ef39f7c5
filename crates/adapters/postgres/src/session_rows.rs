//! Checkout sessions as rows: the columns a session is read from, and the session they make.

use merx_checkout::{CheckoutSession, SessionStatus};
use merx_kernel::Timestamp;
use merx_orders::OrderId;

use crate::error::decode;

type DbError = diesel::result::Error;

pub(crate) type SessionColumns = (String, Option<uuid::Uuid>, Timestamp, serde_json::Value);

pub(crate) fn session_of(cols: SessionColumns) -> Result<CheckoutSession, DbError> {
    let (status, order_id, updated_at, body) = cols;
    let mut s: CheckoutSession = serde_json::from_value(body).map_err(decode)?;
    s.status = SessionStatus::parse(&status).ok_or_else(|| decode("session status"))?;
    s.order_id = order_id.map(OrderId::from_uuid);
    s.updated_at = updated_at;
    Ok(s)
}
