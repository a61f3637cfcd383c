//! Owns the `sessions` table. Ids are hashes of cookie tokens; tokens never reach the database.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use vitrine_domain::Timestamp;

use crate::entity::session;
use crate::{Db, DbError};

#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// SHA-256 (hex) of the cookie token.
    pub id: String,
    pub user_id: i64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub remember: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl From<session::Model> for SessionRecord {
    fn from(m: session::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            created_at: Timestamp(m.created_at),
            expires_at: Timestamp(m.expires_at),
            last_seen_at: Timestamp(m.last_seen_at),
            remember: m.remember,
            ip: m.ip,
            user_agent: m.user_agent,
        }
    }
}

impl Db {
    pub async fn insert_session(&self, s: &SessionRecord) -> Result<(), DbError> {
        session::ActiveModel {
            id: Set(s.id.clone()),
            user_id: Set(s.user_id),
            created_at: Set(s.created_at.0),
            expires_at: Set(s.expires_at.0),
            last_seen_at: Set(s.last_seen_at.0),
            remember: Set(s.remember),
            ip: Set(s.ip.clone()),
            user_agent: Set(s.user_agent.clone()),
        }
        .insert(&self.write)
        .await?;
        Ok(())
    }

    pub async fn find_session(&self, id: &str) -> Result<Option<SessionRecord>, DbError> {
        Ok(session::Entity::find_by_id(id.to_owned())
            .one(&self.read)
            .await?
            .map(Into::into))
    }

    /// Records activity and moves the expiry (sliding sessions).
    pub async fn touch_session(
        &self,
        id: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), DbError> {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now.0))
            .col_expr(session::Column::ExpiresAt, Expr::value(expires_at.0))
            .filter(session::Column::Id.eq(id))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, id: &str) -> Result<bool, DbError> {
        Ok(session::Entity::delete_by_id(id.to_owned())
            .exec(&self.write)
            .await?
            .rows_affected
            == 1)
    }

    /// Removes sessions past their expiry; returns how many went.
    pub async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, DbError> {
        Ok(session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(now.0))
            .exec(&self.write)
            .await?
            .rows_affected)
    }
}
