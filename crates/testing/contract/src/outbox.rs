//! Contracts of the outbox port: claims lease messages so workers on every instance share
//! one backlog without taking a message twice; failures back off, die past the budget, and
//! an admin's retry revives them.

use std::any::Any;
use std::collections::HashSet;
use std::sync::Arc;

use chrono::Duration;
use merx_kernel::PageRequest;
use merx_kernel::outbox::{Outbox, OutboxMessage, OutboxStatus, OutboxView, Retry};
use serde_json::json;

use crate::carts::now;

pub struct OutboxRepos {
    pub outbox: Arc<dyn Outbox>,
    pub guard: Box<dyn Any + Send + Sync>,
}

pub async fn claims_lease_messages_so_workers_share_one_backlog(r: &OutboxRepos) {
    let at = now();
    for i in 0..20 {
        let m = OutboxMessage::new("test.push", &format!("order-{i}"), json!({"n": i}), at);
        r.outbox.enqueue(&m).await.expect("enqueue");
    }
    let later = OutboxMessage::new("test.push", "later", json!({}), at + Duration::hours(1));
    r.outbox.enqueue(&later).await.expect("enqueue");
    let lease = Duration::seconds(30);
    // Two workers claim at once.
    let (a, b) = tokio::join!(
        r.outbox.claim_due(at, 15, lease),
        r.outbox.claim_due(at, 15, lease)
    );
    let (a, b) = (a.expect("claim a"), b.expect("claim b"));
    let ids: Vec<uuid::Uuid> = a.iter().chain(&b).map(|m| m.id).collect();
    let unique: HashSet<uuid::Uuid> = ids.iter().copied().collect();
    assert_eq!(
        ids.len(),
        20,
        "every due message claimed: {} + {}",
        a.len(),
        b.len()
    );
    assert_eq!(unique.len(), 20, "no message claimed twice");
    assert!(!ids.contains(&later.id), "not due yet");
    // Leased: nobody else takes them while the lease runs.
    assert!(
        r.outbox
            .claim_due(at, 50, lease)
            .await
            .expect("claim")
            .is_empty()
    );
    // Delivered ones are done; the rest come back once the lease ran out (a worker died).
    for m in &a {
        r.outbox.delivered(m.id, at).await.expect("delivered");
    }
    let back = r
        .outbox
        .claim_due(at + lease + Duration::seconds(1), 50, lease)
        .await
        .expect("claim after the lease");
    let back_ids: HashSet<uuid::Uuid> = back.iter().map(|m| m.id).collect();
    let expected: HashSet<uuid::Uuid> = b.iter().map(|m| m.id).collect();
    assert_eq!(back_ids, expected, "only the undelivered come back");
    let delivered = r
        .outbox
        .list(Some(OutboxView::Delivered), PageRequest::default())
        .await
        .expect("list");
    assert_eq!(delivered.total, a.len() as u64);
    assert!(
        delivered
            .items
            .iter()
            .all(|m| m.attempts == 1 && m.delivered_at.is_some())
    );
}

pub async fn failures_back_off_then_die_and_a_retry_by_hand_revives(r: &OutboxRepos) {
    let at = now();
    let m = OutboxMessage::new("test.push", "order-1", json!({"total": 1_500}), at);
    r.outbox.enqueue(&m).await.expect("enqueue");
    let lease = Duration::seconds(30);
    assert_eq!(
        r.outbox
            .claim_due(at, 10, lease)
            .await
            .expect("claim")
            .len(),
        1
    );
    let retry_at = at + Duration::minutes(5);
    r.outbox
        .failed(m.id, "503 from the receiver", Retry::At(retry_at))
        .await
        .expect("failed");
    // An admin sees it failed, not pending.
    let view = |v| r.outbox.list(Some(v), PageRequest::default());
    assert_eq!(view(OutboxView::Failed).await.expect("failed").total, 1);
    assert_eq!(view(OutboxView::Pending).await.expect("pending").total, 0);
    let early = at + Duration::minutes(4);
    assert!(
        r.outbox
            .claim_due(early, 10, lease)
            .await
            .expect("claim")
            .is_empty()
    );
    let again = r
        .outbox
        .claim_due(retry_at, 10, lease)
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(
        again[0].last_error.as_deref(),
        Some("503 from the receiver")
    );
    assert_eq!(again[0].payload, json!({"total": 1_500}));
    r.outbox
        .failed(m.id, "connection reset", Retry::Dead)
        .await
        .expect("dead");
    let far = at + Duration::days(30);
    assert!(
        r.outbox
            .claim_due(far, 10, lease)
            .await
            .expect("claim")
            .is_empty(),
        "dead stays dead"
    );
    let dead = r
        .outbox
        .list(Some(OutboxView::Dead), PageRequest::default())
        .await
        .expect("list");
    assert_eq!(dead.total, 1);
    assert_eq!(dead.items[0].attempts, 2);
    // By hand: due at once with a new budget, then delivered; a delivered one is not retried.
    assert!(r.outbox.retry_now(m.id, far).await.expect("retry"));
    let revived = r.outbox.claim_due(far, 10, lease).await.expect("claim");
    assert_eq!((revived.len(), revived[0].attempts), (1, 0));
    r.outbox.delivered(m.id, far).await.expect("delivered");
    assert!(
        !r.outbox
            .retry_now(m.id, far)
            .await
            .expect("retry delivered")
    );
    assert!(
        !r.outbox
            .retry_now(uuid::Uuid::now_v7(), far)
            .await
            .expect("retry unknown")
    );
    let all = r
        .outbox
        .list(None, PageRequest::default())
        .await
        .expect("all");
    assert_eq!(all.total, 1);
    assert_eq!(all.items[0].status, OutboxStatus::Delivered);
}
