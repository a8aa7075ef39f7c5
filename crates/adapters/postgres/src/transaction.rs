//! What the adapters' multi-statement transactions share: ending one early with an answer.

use merx_kernel::StoreError;

use crate::error::store_error;

type DbError = diesel::result::Error;

/// Ends a transaction early: roll back and answer `T`, or fail.
pub(crate) enum Abort<T> {
    With(T),
    Db(DbError),
}

impl<T> From<DbError> for Abort<T> {
    fn from(e: DbError) -> Self {
        Self::Db(e)
    }
}

pub(crate) fn finish<T>(result: Result<T, Abort<T>>) -> Result<T, StoreError> {
    match result {
        Ok(t) | Err(Abort::With(t)) => Ok(t),
        Err(Abort::Db(e)) => Err(store_error(e)),
    }
}
