//! The audit log (spec §16): one append-only entry per admin or API-key write, with the
//! fields it changed, written by the store in the same transaction as the write.
//!
//! A domain service builds the entry ([`Author::entry`]) from what it read before the write
//! and what it writes; the repository port that makes the write takes it and stores both at
//! once, so there is never a write without its entry or an entry without its write.
//!
//! ```
//! use merx_kernel::audit::{Actor, Author, Changes, Target};
//! use serde_json::json;
//!
//! let by = Author::caller(Actor::api_key("7f3c"), "req-1");
//! let before = json!({"name": "Mug", "price": 1_200});
//! let after = json!({"name": "Mug", "price": 1_500});
//! let entry = by
//!     .entry("product.update", Target::new("product", "p1"), Changes::between(&before, &after), chrono::Utc::now())
//!     .expect("a caller's write is audited");
//! assert_eq!(serde_json::to_value(&entry.changes)?, json!({"price": [1_200, 1_500]}));
//! // Merx's own writes (the demo seed, startup defaults) are not admin writes.
//! assert!(Author::System.entry("product.create", Target::new("product", "p2"), Changes::default(), chrono::Utc::now()).is_none());
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Page, PageRequest, StoreError, Timestamp};

/// Who made a write: `{"kind": "user" | "api_key", "id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    ApiKey,
}

impl ActorKind {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::ApiKey => "api_key",
        }
    }

    /// The kind a store wrote with [`Self::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Self::User),
            "api_key" => Some(Self::ApiKey),
            _ => None,
        }
    }
}

impl Actor {
    #[must_use]
    pub fn user(id: impl ToString) -> Self {
        Self {
            kind: ActorKind::User,
            id: id.to_string(),
        }
    }

    #[must_use]
    pub fn api_key(id: impl ToString) -> Self {
        Self {
            kind: ActorKind::ApiKey,
            id: id.to_string(),
        }
    }
}

/// Who asks a service for a write: a caller (an admin or API key, in a request), whose
/// writes are audited, or Merx itself (the demo seed, defaults installed at start), whose
/// writes are not admin writes and leave no entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    Caller { actor: Actor, request_id: String },
    System,
}

impl Author {
    #[must_use]
    pub fn caller(actor: Actor, request_id: impl Into<String>) -> Self {
        Self::Caller {
            actor,
            request_id: request_id.into(),
        }
    }

    /// How ledgers that keep a name (the stock moves) call this author: `user:<id>`,
    /// `api_key:<id>` or `merx`.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::Caller { actor, .. } => format!("{}:{}", actor.kind.as_str(), actor.id),
            Self::System => "merx".to_owned(),
        }
    }

    /// The entry of this author's write, or none for Merx's own writes.
    #[must_use]
    pub fn entry(
        &self,
        action: &str,
        target: Target,
        changes: Changes,
        at: Timestamp,
    ) -> Option<AuditEntry> {
        match self {
            Self::Caller { actor, request_id } => Some(AuditEntry {
                id: uuid::Uuid::now_v7(),
                actor: actor.clone(),
                action: action.to_owned(),
                target,
                changes,
                request_id: request_id.clone(),
                at,
            }),
            Self::System => None,
        }
    }
}

/// What a write changed: `{"type": "product", "id": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

impl Target {
    #[must_use]
    pub fn new(kind: &str, id: impl ToString) -> Self {
        Self {
            kind: kind.to_owned(),
            id: id.to_string(),
        }
    }
}

/// The fields a write changed, each as `[before, after]` (`null` for a field that did not
/// exist before a create or after a delete).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Changes(pub BTreeMap<String, [Value; 2]>);

impl Changes {
    /// The top-level fields of two JSON objects that differ (a non-object counts as no
    /// fields). A create is `between(&Value::Null, &after)`, a delete `between(&before,
    /// &Value::Null)`.
    #[must_use]
    pub fn between(before: &Value, after: &Value) -> Self {
        let empty = serde_json::Map::new();
        let b = before.as_object().unwrap_or(&empty);
        let a = after.as_object().unwrap_or(&empty);
        let mut changes = BTreeMap::new();
        for field in b.keys().chain(a.keys()) {
            let old = b.get(field).cloned().unwrap_or(Value::Null);
            let new = a.get(field).cloned().unwrap_or(Value::Null);
            if old != new {
                changes.insert(field.clone(), [old, new]);
            }
        }
        Self(changes)
    }

    /// One field's change.
    #[must_use]
    pub fn field(name: &str, before: impl Into<Value>, after: impl Into<Value>) -> Self {
        Self(BTreeMap::from([(
            name.to_owned(),
            [before.into(), after.into()],
        )]))
    }

    /// These changes and one more field's.
    #[must_use]
    pub fn and(mut self, name: &str, before: impl Into<Value>, after: impl Into<Value>) -> Self {
        self.0
            .insert(name.to_owned(), [before.into(), after.into()]);
        self
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: uuid::Uuid,
    pub actor: Actor,
    /// `<target type>.<verb>`: `product.update`, `stock.adjust`, `order.refund`, …
    pub action: String,
    pub target: Target,
    pub changes: Changes,
    pub request_id: String,
    pub at: Timestamp,
}

/// The filters of `GET /admin/audit-log`; all given ones must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor_id: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub action: Option<String>,
    /// Entries at or after this instant.
    pub since: Option<Timestamp>,
}

impl AuditQuery {
    /// Whether an entry passes every filter; the stores' filters say the same in their
    /// own terms.
    #[must_use]
    pub fn matches(&self, e: &AuditEntry) -> bool {
        self.actor_id.as_ref().is_none_or(|id| *id == e.actor.id)
            && self
                .target_type
                .as_ref()
                .is_none_or(|t| *t == e.target.kind)
            && self.target_id.as_ref().is_none_or(|id| *id == e.target.id)
            && self.action.as_ref().is_none_or(|a| *a == e.action)
            && self.since.is_none_or(|s| e.at >= s)
    }
}

/// Reads the audit log. Entries are written by the repository ports whose writes they
/// record, never through this port, and nothing updates or deletes them.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// One page of the entries matching `query`, newest first (ties by id, newest first).
    async fn list(
        &self,
        query: &AuditQuery,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, StoreError>;
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn changes_name_only_the_fields_that_differ() {
        let before = json!({"name": "Mug", "price": 1200, "tags": ["a"]});
        let after = json!({"name": "Mug", "price": 1500, "tags": ["a", "b"], "new": true});
        let c = Changes::between(&before, &after);
        assert_eq!(
            serde_json::to_value(&c).ok(),
            Some(json!({"price": [1200, 1500], "tags": [["a"], ["a", "b"]], "new": [null, true]}))
        );
        assert!(Changes::between(&before, &before).is_empty());
        let created = Changes::between(&Value::Null, &json!({"code": "X"}));
        assert_eq!(created.0.get("code"), Some(&[Value::Null, json!("X")]));
    }

    #[test]
    fn filters_all_have_to_match() {
        let at = chrono::Utc::now();
        let e = Author::caller(Actor::user("u1"), "r1")
            .entry(
                "product.update",
                Target::new("product", "p1"),
                Changes::default(),
                at,
            )
            .expect("caller");
        assert!(AuditQuery::default().matches(&e));
        let q = AuditQuery {
            actor_id: Some("u1".into()),
            target_type: Some("product".into()),
            action: Some("product.update".into()),
            since: Some(at),
            ..AuditQuery::default()
        };
        assert!(q.matches(&e));
        assert!(
            !AuditQuery {
                target_id: Some("p2".into()),
                ..q.clone()
            }
            .matches(&e)
        );
        assert!(
            !AuditQuery {
                since: Some(at + chrono::Duration::seconds(1)),
                ..q
            }
            .matches(&e)
        );
    }
}
