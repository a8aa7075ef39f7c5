/// A storage failure that the domain cannot act on: the database is unreachable, a query
/// failed, a row could not be decoded. The HTTP layer answers 500 (503 when unavailable) and
/// logs the cause; the client never sees it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store failure: {0}")]
    Other(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn other(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Other(Box::new(e))
    }

    pub fn message(msg: impl Into<String>) -> Self {
        Self::Other(msg.into().into())
    }
}
