//! The outbox in memory: one list under one lock, so a claim and its lease are one step.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::Duration;
use merx_kernel::outbox::{Outbox, OutboxMessage, OutboxStatus, OutboxView, Retry};
use merx_kernel::{Page, PageRequest, StoreError, Timestamp};

use crate::lock;

#[derive(Debug, Default)]
pub struct MemoryOutbox {
    messages: Mutex<Vec<OutboxMessage>>,
}

impl MemoryOutbox {
    /// Writes `messages` at once, in the step of the change that causes them (the caller
    /// holds its store's lock).
    pub(crate) fn write(&self, messages: Vec<OutboxMessage>) {
        if !messages.is_empty() {
            lock(&self.messages).extend(messages);
        }
    }
}

#[async_trait]
impl Outbox for MemoryOutbox {
    async fn enqueue(&self, message: &OutboxMessage) -> Result<(), StoreError> {
        self.write(vec![message.clone()]);
        Ok(())
    }

    async fn claim_due(
        &self,
        now: Timestamp,
        limit: u32,
        lease: Duration,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let mut all = lock(&self.messages);
        let mut due: Vec<&mut OutboxMessage> = all
            .iter_mut()
            .filter(|m| m.status == OutboxStatus::Pending && m.next_attempt_at <= now)
            .collect();
        due.sort_by_key(|m| (m.next_attempt_at, m.id));
        let mut claimed: Vec<OutboxMessage> = due
            .into_iter()
            .take(limit as usize)
            .map(|m| {
                m.next_attempt_at = now + lease;
                m.clone()
            })
            .collect();
        claimed.sort_by_key(|m| (m.created_at, m.id));
        Ok(claimed)
    }

    async fn delivered(&self, id: uuid::Uuid, at: Timestamp) -> Result<(), StoreError> {
        if let Some(m) = lock(&self.messages).iter_mut().find(|m| m.id == id) {
            m.attempts += 1;
            m.status = OutboxStatus::Delivered;
            m.delivered_at = Some(at);
        }
        Ok(())
    }

    async fn failed(&self, id: uuid::Uuid, error: &str, retry: Retry) -> Result<(), StoreError> {
        if let Some(m) = lock(&self.messages)
            .iter_mut()
            .find(|m| m.id == id && m.status == OutboxStatus::Pending)
        {
            m.attempts += 1;
            m.last_error = Some(error.to_owned());
            match retry {
                Retry::At(at) => m.next_attempt_at = at,
                Retry::Dead => m.status = OutboxStatus::Dead,
            }
        }
        Ok(())
    }

    async fn retry_now(&self, id: uuid::Uuid, now: Timestamp) -> Result<bool, StoreError> {
        let mut all = lock(&self.messages);
        match all
            .iter_mut()
            .find(|m| m.id == id && m.status != OutboxStatus::Delivered)
        {
            Some(m) => {
                m.status = OutboxStatus::Pending;
                m.attempts = 0;
                m.next_attempt_at = now;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn list(
        &self,
        view: Option<OutboxView>,
        page: PageRequest,
    ) -> Result<Page<OutboxMessage>, StoreError> {
        let mut found: Vec<OutboxMessage> = lock(&self.messages)
            .iter()
            .filter(|m| view.is_none_or(|v| OutboxView::of(m) == v))
            .cloned()
            .collect();
        found.sort_by_key(|m| std::cmp::Reverse((m.created_at, m.id)));
        Ok(Page::of_all(found, page))
    }
}
