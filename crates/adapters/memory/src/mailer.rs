use std::sync::Mutex;

use async_trait::async_trait;
use merx_identity::{Mailer, OutgoingEmail};
use merx_kernel::StoreError;

use crate::lock;

/// The default mailer: writes each email to the log and keeps it, so a developer (or a test)
/// can read the reset and verification tokens without an SMTP server.
#[derive(Debug, Default)]
pub struct LogMailer {
    sent: Mutex<Vec<OutgoingEmail>>,
}

/// The log keeps at most this many emails in memory.
const KEEP: usize = 1000;

impl LogMailer {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Emails sent so far, oldest first.
    #[must_use]
    pub fn sent(&self) -> Vec<OutgoingEmail> {
        lock(&self.sent).clone()
    }

    /// The newest email sent to `to`.
    #[must_use]
    pub fn last_to(&self, to: &str) -> Option<OutgoingEmail> {
        lock(&self.sent)
            .iter()
            .rev()
            .find(|m| m.to.as_str() == to)
            .cloned()
    }
}

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), StoreError> {
        // The body carries single-use secrets: only at debug level, never in production logs.
        tracing::info!(to = %email.to, subject = %email.subject, "email (log mailer)");
        tracing::debug!(to = %email.to, body = %email.body, "email body (log mailer)");
        let mut sent = lock(&self.sent);
        if sent.len() >= KEEP {
            sent.remove(0);
        }
        sent.push(email.clone());
        Ok(())
    }
}
