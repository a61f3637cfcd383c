//! Owns writing the audit trail, and counting recent entries for rate limits (from the audit
//! log, or from Redis counters fed here when Redis is configured). A failure to audit is
//! logged, never fatal to the action.

use vitrine_db::{AuditQuery, NewAuditEntry};
use vitrine_domain::Timestamp;

use crate::{App, AppError, RequestMeta};

/// The counter dimension an audit query reads.
fn dimension<'a>(query: &AuditQuery<'a>) -> (&'static str, String) {
    match query {
        AuditQuery::ByIp(ip) => ("ip", (*ip).to_owned()),
        AuditQuery::ByTarget(t) => ("target", (*t).to_owned()),
        AuditQuery::ByTargetAndIp(t, ip) => ("target_ip", target_ip(t, ip)),
        AuditQuery::ByActor(id) => ("actor", id.to_string()),
    }
}

/// The subject of the target-and-address dimension (`|` never occurs in an address).
fn target_ip(target: &str, ip: &str) -> String {
    format!("{ip}|{target}")
}

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
        let at = entry.at;
        if let Err(e) = self.db.record_audit(entry).await {
            tracing::error!(error = %e, action, "could not write the audit log");
            return;
        }
        if let Some(cache) = &self.cache {
            let actor = actor_id.map(|id| id.to_string());
            let pair = target
                .zip(meta.ip.as_deref())
                .map(|(t, ip)| target_ip(t, ip));
            let mut subjects = Vec::new();
            if let Some(t) = target {
                subjects.push(("target", t));
            }
            if let Some(ip) = meta.ip.as_deref() {
                subjects.push(("ip", ip));
            }
            if let Some(p) = pair.as_deref() {
                subjects.push(("target_ip", p));
            }
            if let Some(a) = actor.as_deref() {
                subjects.push(("actor", a));
            }
            let id = crate::tokens::random_token().unwrap_or_else(|_| format!("{}", at.0));
            cache.count_event(action, &subjects, at.0, &id).await;
        }
    }

    /// Audit entries of `action` matching `query` since `since`: from Redis when configured
    /// and answering (windows up to a day), else from the audit log.
    pub(crate) async fn count_recent(
        &self,
        action: &str,
        query: AuditQuery<'_>,
        since: Timestamp,
    ) -> Result<u64, AppError> {
        if let Some(cache) = &self.cache
            && self.clock.now().0 - since.0 <= crate::shared_cache::LONGEST_WINDOW_SECS
        {
            let (by, subject) = dimension(&query);
            if let Some(n) = cache.count_since(action, by, &subject, since.0).await {
                return Ok(n);
            }
        }
        Ok(self.db.count_audit_since(action, query, since).await?)
    }
}
