//! Delivering the outbox: one pass claims the due messages, hands each to the receiver of its
//! topic, and records the outcome — delivered, or failed with its next attempt from the
//! [`RetryPolicy`] (dead past the budget). Every instance runs passes; the claim's lease keeps
//! them from taking one message twice.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;

use crate::outbox::{Outbox, OutboxMessage, Retry, RetryPolicy};
use crate::{Clock, StoreError};

/// Hands a message to the system it is for (WooCommerce, a mailer). An error is a failed
/// attempt, to be retried: a receiver must be idempotent by the message's `key`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Deliver: Send + Sync {
    async fn deliver(&self, message: &OutboxMessage) -> Result<(), String>;
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryPass {
    pub delivered: u32,
    pub retried: u32,
    pub dead: u32,
}

/// The outbox's delivery passes, with a receiver per topic.
pub struct OutboxDelivery {
    outbox: Arc<dyn Outbox>,
    receivers: HashMap<String, Arc<dyn Deliver>>,
    clock: Arc<dyn Clock>,
    pub policy: RetryPolicy,
    /// How long a claimed message is kept from other workers.
    pub lease: Duration,
    /// Messages claimed per pass.
    pub batch: u32,
}

impl OutboxDelivery {
    #[must_use]
    pub fn new(outbox: Arc<dyn Outbox>, clock: Arc<dyn Clock>) -> Self {
        Self {
            outbox,
            receivers: HashMap::new(),
            clock,
            policy: RetryPolicy::default(),
            lease: Duration::minutes(2),
            batch: 50,
        }
    }

    /// Messages of `topic` go to `receiver`.
    #[must_use]
    pub fn with_receiver(mut self, topic: &str, receiver: Arc<dyn Deliver>) -> Self {
        self.receivers.insert(topic.to_owned(), receiver);
        self
    }

    /// One pass over the messages due now.
    ///
    /// # Errors
    /// Storage failure (the pass stops; leased messages come back when their lease ends).
    pub async fn run_once(&self) -> Result<DeliveryPass, StoreError> {
        let due = self
            .outbox
            .claim_due(self.clock.now(), self.batch, self.lease)
            .await?;
        let mut pass = DeliveryPass::default();
        for message in due {
            let outcome = match self.receivers.get(&message.topic) {
                Some(receiver) => receiver.deliver(&message).await,
                None => Err(format!("no receiver for topic {}", message.topic)),
            };
            match outcome {
                Ok(()) => {
                    self.outbox.delivered(message.id, self.clock.now()).await?;
                    pass.delivered += 1;
                }
                Err(error) => {
                    let retry = self.policy.after_failure(
                        message.attempts.saturating_add(1),
                        self.clock.now(),
                        jitter(),
                    );
                    if retry == Retry::Dead {
                        pass.dead += 1;
                    } else {
                        pass.retried += 1;
                    }
                    self.outbox.failed(message.id, &error, retry).await?;
                }
            }
        }
        Ok(pass)
    }
}

/// A random draw of 0 to 1000 for the retry's jitter.
fn jitter() -> u16 {
    u16::try_from(uuid::Uuid::new_v4().as_u128() % 1_001).unwrap_or(500)
}

#[cfg(test)]
mod tests {
    use mockall::predicate::{always, eq};
    use serde_json::json;

    use super::*;
    use crate::ManualClock;
    use crate::outbox::MockOutbox;

    fn message(topic: &str, attempts: u32) -> OutboxMessage {
        let mut m = OutboxMessage::new(topic, "order-1", json!({}), chrono::Utc::now());
        m.attempts = attempts;
        m
    }

    #[tokio::test]
    async fn a_pass_records_each_outcome() {
        let ok = message("shop.order", 0);
        let flaky = message("shop.order", 3);
        let spent = message("shop.order", RetryPolicy::default().max_attempts - 1);
        let lost = message("nobody.listens", 0);
        let claimed = vec![ok.clone(), flaky.clone(), spent.clone(), lost.clone()];
        let mut outbox = MockOutbox::new();
        outbox
            .expect_claim_due()
            .times(1)
            .returning(move |_, _, _| Ok(claimed.clone()));
        outbox
            .expect_delivered()
            .with(eq(ok.id), always())
            .times(1)
            .returning(|_, _| Ok(()));
        let now = chrono::Utc::now();
        let clock = Arc::new(ManualClock::new(now));
        let policy = RetryPolicy::default();
        let flaky_id = flaky.id;
        outbox
            .expect_failed()
            .withf(move |id, error, retry| {
                *id == flaky_id
                    && error == "503"
                    && matches!(retry, Retry::At(at) if {
                        let waited = *at - now;
                        let d = policy.delay(4);
                        waited >= d - d / 5 && waited <= d + d / 5
                    })
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        let spent_id = spent.id;
        outbox
            .expect_failed()
            .withf(move |id, error, retry| {
                *id == spent_id && error == "503" && *retry == Retry::Dead
            })
            .times(1)
            .returning(|_, _, _| Ok(()));
        outbox
            .expect_failed()
            .withf(move |id, error, _| *id == lost.id && error.contains("no receiver"))
            .times(1)
            .returning(|_, _, _| Ok(()));
        let mut shop = MockDeliver::new();
        let ok_id = ok.id;
        shop.expect_deliver().times(3).returning(move |m| {
            if m.id == ok_id {
                Ok(())
            } else {
                Err("503".to_owned())
            }
        });
        let delivery = OutboxDelivery::new(Arc::new(outbox), clock)
            .with_receiver("shop.order", Arc::new(shop));
        let pass = delivery.run_once().await.expect("pass");
        assert_eq!(
            pass,
            DeliveryPass {
                delivered: 1,
                retried: 2,
                dead: 1
            }
        );
    }
}
