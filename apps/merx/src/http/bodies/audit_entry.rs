//! An audit entry as the log and a personal-data export show it.

use merx_kernel::audit::AuditEntry;
use serde::Serialize;
use utoipa::ToSchema;

/// `{"kind": "user" | "api_key", "id"}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActorBody {
    #[schema(example = "api_key")]
    pub kind: &'static str,
    pub id: String,
}

/// `{"type", "id"}` of what was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetBody {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// One write: who, what, the fields it changed as `{field: [before, after]}`, the request.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryBody {
    pub id: uuid::Uuid,
    pub actor: ActorBody,
    pub action: String,
    pub target: TargetBody,
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub request_id: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl From<AuditEntry> for AuditEntryBody {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            actor: ActorBody {
                kind: e.actor.kind.as_str(),
                id: e.actor.id,
            },
            action: e.action,
            target: TargetBody {
                kind: e.target.kind,
                id: e.target.id,
            },
            changes: serde_json::to_value(e.changes).unwrap_or_default(),
            request_id: e.request_id,
            at: e.at,
        }
    }
}
