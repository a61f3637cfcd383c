//! Owns writing the audit trail. A failure to audit is logged, never fatal to the action.

use vitrine_db::NewAuditEntry;

use crate::{App, RequestMeta};

impl App {
    pub(crate) async fn audit(
        &self,
        actor_id: Option<i64>,
        action: &str,
        target: Option<&str>,
        meta: &RequestMeta,
        details: Option<serde_json::Value>,
    ) {
        let entry = NewAuditEntry {
            at: self.clock.now(),
            actor_id,
            action,
            target,
            ip: meta.ip.as_deref(),
            details: details.map(|d| d.to_string()),
        };
        if let Err(e) = self.db.record_audit(entry).await {
            tracing::error!(error = %e, action, "could not write the audit log");
        }
    }
}
