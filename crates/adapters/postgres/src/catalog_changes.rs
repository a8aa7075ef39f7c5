//! Telling every instance that the catalog changed, so each drops its cached catalog answers
//! at once instead of waiting out their TTL (spec §15: within 1 s on the others). Catalog and
//! stock-adjustment writes `NOTIFY` inside their transaction, which Postgres delivers only
//! when it commits; each instance `LISTEN`s on a connection of its own.

use std::time::Duration;

use diesel::result::Error as DbError;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;

/// The channel catalog writes notify.
pub const CATALOG_CHANNEL: &str = "merx_catalog_changed";

/// Notifies [`CATALOG_CHANNEL`] when the caller's transaction commits.
pub(crate) async fn notify_catalog_changed(tx: &mut AsyncPgConnection) -> Result<(), DbError> {
    diesel::sql_query(format!("NOTIFY {CATALOG_CHANNEL}"))
        .execute(tx)
        .await?;
    Ok(())
}

/// How often an idle listener checks that its connection still answers.
const PING_EVERY: Duration = Duration::from_secs(15);

/// Calls `on_change` after every catalog change any instance commits, for as long as the
/// process runs. A lost connection is opened again (after a second), and `on_change` is
/// called then too, since changes may have gone by unheard.
pub async fn watch_catalog_changes(url: String, on_change: impl Fn() + Send + Sync + 'static) {
    loop {
        match listen(&url, &on_change).await {
            Ok(()) => tracing::warn!("catalog change listener: connection closed"),
            Err(e) => tracing::warn!(error = %e, "catalog change listener: connection lost"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        on_change();
    }
}

async fn listen(url: &str, on_change: &(impl Fn() + Send + Sync)) -> Result<(), String> {
    let mut conn = tokio::time::timeout(Duration::from_secs(5), AsyncPgConnection::establish(url))
        .await
        .map_err(|_| "connecting timed out".to_owned())?
        .map_err(|e| e.to_string())?;
    diesel::sql_query(format!("LISTEN {CATALOG_CHANNEL}"))
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    loop {
        let heard = {
            let mut notes = std::pin::pin!(conn.notifications_stream());
            tokio::time::timeout(PING_EVERY, notes.next()).await
        };
        match heard {
            Ok(Some(Ok(_))) => on_change(),
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(None) => return Ok(()),
            // Quiet for a while: make sure the connection still answers (notifications that
            // arrive meanwhile wait in the connection's queue).
            Err(_) => {
                tokio::time::timeout(
                    Duration::from_secs(5),
                    diesel::sql_query("SELECT 1").execute(&mut conn),
                )
                .await
                .map_err(|_| "ping timed out".to_owned())?
                .map_err(|e| e.to_string())?;
            }
        }
    }
}
