//! The audit log in memory. Every memory store that makes audited writes holds a handle
//! to one log and appends the entry while it holds its own lock, so a reader never sees a
//! write without its entry; the app hands all of them the same log.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use merx_kernel::audit::{AuditEntry, AuditLog, AuditQuery};
use merx_kernel::{Page, PageRequest, StoreError};

use crate::lock;

/// One shared, append-only list of entries (clones share it).
#[derive(Debug, Clone, Default)]
pub struct MemoryAuditLog {
    entries: Arc<Mutex<Vec<AuditEntry>>>,
}

impl MemoryAuditLog {
    /// Appends the entry of a write, if it has one. There is no way to change or remove one.
    pub(crate) fn record(&self, entry: Option<AuditEntry>) {
        if let Some(entry) = entry {
            lock(&self.entries).push(entry);
        }
    }
}

#[async_trait]
impl AuditLog for MemoryAuditLog {
    async fn list(
        &self,
        query: &AuditQuery,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let mut found: Vec<AuditEntry> = lock(&self.entries)
            .iter()
            .filter(|e| query.matches(e))
            .cloned()
            .collect();
        found.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
        Ok(Page::of_all(found, page))
    }
}

/// Gives a memory store an `audit: MemoryAuditLog` field's builder.
macro_rules! writes_audit_log {
    ($($store:ty),*) => {$(
        impl $store {
            /// This store appending its entries to `log` (the app's one log).
            #[must_use]
            pub fn with_audit_log(mut self, log: $crate::MemoryAuditLog) -> Self {
                self.audit = log;
                self
            }
        }
    )*};
}
pub(crate) use writes_audit_log;
