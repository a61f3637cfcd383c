//! Owns the `audit_log` table: who did what, when, from where. Also the source of truth for
//! login throttling (recent failures are counted here, so every node sees the same counts).

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};
use vitrine_domain::Timestamp;

use crate::entity::audit;
use crate::{Db, DbError};

#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub at: Timestamp,
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub details: Option<String>,
}

/// Which entries to count: one action since a time, by IP or by target.
#[derive(Debug, Clone, Copy)]
pub enum AuditQuery<'a> {
    ByIp(&'a str),
    ByTarget(&'a str),
    /// One target from one address (e.g. failed logins to one account from one address).
    ByTargetAndIp(&'a str, &'a str),
    ByActor(i64),
}

impl Db {
    pub async fn record_audit(&self, e: NewAuditEntry<'_>) -> Result<(), DbError> {
        audit::ActiveModel {
            at: Set(e.at.0),
            actor_id: Set(e.actor_id),
            action: Set(e.action.to_owned()),
            target: Set(e.target.map(|t| t.chars().take(255).collect())),
            ip: Set(e.ip.map(str::to_owned)),
            details: Set(e.details),
            ..Default::default()
        }
        .insert(&self.write)
        .await?;
        Ok(())
    }

    pub async fn count_audit_since(
        &self,
        action: &str,
        query: AuditQuery<'_>,
        since: Timestamp,
    ) -> Result<u64, DbError> {
        let q = audit::Entity::find()
            .filter(audit::Column::Action.eq(action))
            .filter(audit::Column::At.gte(since.0));
        let q = match query {
            AuditQuery::ByIp(ip) => q.filter(audit::Column::Ip.eq(ip)),
            AuditQuery::ByTarget(t) => q.filter(audit::Column::Target.eq(t)),
            AuditQuery::ByTargetAndIp(t, ip) => q
                .filter(audit::Column::Target.eq(t))
                .filter(audit::Column::Ip.eq(ip)),
            AuditQuery::ByActor(id) => q.filter(audit::Column::ActorId.eq(id)),
        };
        Ok(q.count(&self.read).await?)
    }
}
