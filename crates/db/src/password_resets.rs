//! Owns the `password_resets` table: pending password-reset links, stored by the hash of their
//! secret. A link is taken (deleted) in the same statement that checks it, so it works once.

use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use vitrine_domain::Timestamp;

use crate::entity::password_reset;
use crate::{Db, DbError};

impl Db {
    pub async fn insert_password_reset(
        &self,
        id: &str,
        user_id: i64,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), DbError> {
        password_reset::ActiveModel {
            id: Set(id.to_owned()),
            user_id: Set(user_id),
            created_at: Set(now.0),
            expires_at: Set(expires_at.0),
        }
        .insert(&self.write)
        .await?;
        Ok(())
    }

    /// The account an unexpired link belongs to.
    pub async fn password_reset_user(
        &self,
        id: &str,
        now: Timestamp,
    ) -> Result<Option<i64>, DbError> {
        Ok(password_reset::Entity::find_by_id(id.to_owned())
            .filter(password_reset::Column::ExpiresAt.gt(now.0))
            .one(&self.write)
            .await?
            .map(|r| r.user_id))
    }

    /// Uses up an unexpired link: its account, or `None` when the link is unknown, expired or
    /// was taken by a concurrent request first.
    pub async fn take_password_reset(
        &self,
        id: &str,
        now: Timestamp,
    ) -> Result<Option<i64>, DbError> {
        let Some(user_id) = self.password_reset_user(id, now).await? else {
            return Ok(None);
        };
        let taken = password_reset::Entity::delete_many()
            .filter(password_reset::Column::Id.eq(id))
            .filter(password_reset::Column::ExpiresAt.gt(now.0))
            .exec(&self.write)
            .await?
            .rows_affected;
        Ok((taken == 1).then_some(user_id))
    }

    pub async fn delete_expired_password_resets(&self, now: Timestamp) -> Result<u64, DbError> {
        Ok(password_reset::Entity::delete_many()
            .filter(password_reset::Column::ExpiresAt.lte(now.0))
            .exec(&self.write)
            .await?
            .rows_affected)
    }
}
