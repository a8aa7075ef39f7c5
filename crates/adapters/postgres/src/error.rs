use diesel::result::{DatabaseErrorKind, Error};
use merx_kernel::StoreError;

/// A database error in the store's terms: a connection lost (mid-statement, or the server
/// shutting down or starting up) is the database being unavailable (503, retry-safe: the
/// transaction either committed or did not), anything else a failure.
pub(crate) fn store_error(e: Error) -> StoreError {
    if is_connection_lost(&e) {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::other(e)
    }
}

fn is_connection_lost(e: &Error) -> bool {
    match e {
        Error::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
            _,
        )
        | Error::BrokenTransactionManager => true,
        // Postgres's own words when it goes away (SQLSTATE 57P01-57P03); diesel keeps only the
        // message of errors it has no kind for.
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let m = info.message();
            m.starts_with("terminating connection")
                || m.contains("the database system is shutting down")
                || m.contains("the database system is starting up")
        }
        Error::RollbackErrorOnCommit { commit_error, .. } => is_connection_lost(commit_error),
        _ => false,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_is_unavailable_and_a_bug_is_not() {
        let lost = Error::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand,
            Box::new("connection closed".to_owned()),
        );
        assert!(matches!(store_error(lost), StoreError::Unavailable(_)));
        let shutdown = Error::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("terminating connection due to administrator command".to_owned()),
        );
        assert!(matches!(store_error(shutdown), StoreError::Unavailable(_)));
        let unique = Error::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new("duplicate key".to_owned()),
        );
        assert!(matches!(store_error(unique), StoreError::Other(_)));
        assert!(matches!(store_error(Error::NotFound), StoreError::Other(_)));
    }

    /// The error diesel-async really gives for a connection that dies between statements (a
    /// TCP proxy in front of Postgres, cut): unavailable, not a failure.
    #[tokio::test(flavor = "multi_thread")]
    async fn a_connection_cut_mid_transaction_is_unavailable() {
        use diesel_async::{AsyncConnection, RunQueryDsl};
        let proxy = merx_fakes::tcp_proxy::FaultProxy::start(5432).await;
        let url = format!("postgres://postgres@127.0.0.1:{}/postgres", proxy.port);
        let mut c = diesel_async::AsyncPgConnection::establish(&url)
            .await
            .expect("connects through the proxy");
        let result = c
            .transaction::<_, Error, _>(async |tx| {
                diesel::sql_query("SELECT 1").execute(tx).await?;
                proxy.cut().await;
                diesel::sql_query("SELECT 1").execute(tx).await?;
                Ok(())
            })
            .await;
        let e = result.expect_err("the connection is gone");
        assert!(
            matches!(store_error(e), StoreError::Unavailable(_)),
            "a lost connection is the database being unavailable"
        );
    }
}
