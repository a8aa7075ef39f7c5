//! The outbox worker: every `MERX_OUTBOX_INTERVAL_MS` this instance runs a delivery pass
//! ([`merx_kernel::outbox_delivery::OutboxDelivery::run_once`]). Every instance runs one; the
//! claims' leases keep them from delivering one message twice. A pass that found a full batch
//! is followed by another at once, so a backlog drains at the receivers' pace.

use std::sync::Arc;
use std::time::Duration;

use merx_kernel::outbox_delivery::OutboxDelivery;

/// Runs passes every `interval` until the process ends.
pub fn spawn(deliveries: Arc<OutboxDelivery>, interval: Duration) {
    tokio::spawn(async move {
        loop {
            match deliveries.run_once().await {
                Ok(pass) => {
                    let handled = pass.delivered + pass.retried + pass.dead;
                    if handled > 0 {
                        tracing::info!(
                            delivered = pass.delivered,
                            retried = pass.retried,
                            dead = pass.dead,
                            "outbox pass"
                        );
                    }
                    if handled >= deliveries.batch {
                        continue;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "outbox pass failed"),
            }
            tokio::time::sleep(interval).await;
        }
    });
}
