use diesel::result::{DatabaseErrorKind, Error};
use merx_kernel::StoreError;

pub(crate) fn store_error(e: Error) -> StoreError {
    StoreError::other(e)
}

pub(crate) fn pool_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

pub(crate) fn is_unique_violation(e: &Error, constraint: &str) -> bool {
    matches!(e, Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
        if info.constraint_name() == Some(constraint))
}

/// A stored value that does not read back as the domain type (a corrupt or foreign row).
pub(crate) fn decode(what: impl std::fmt::Display) -> Error {
    Error::DeserializationError(what.to_string().into())
}
