//! Owns the `settings` table: JSON values by key, shared by every node.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use vitrine_domain::Timestamp;

use crate::entity::setting;
use crate::{Db, DbError};

/// Deletes `key` only when it holds `value`; true when this call removed it.
pub(crate) async fn take_if_equals<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    value: &str,
) -> Result<bool, DbError> {
    Ok(setting::Entity::delete_many()
        .filter(setting::Column::Key.eq(key))
        .filter(setting::Column::Value.eq(value))
        .exec(conn)
        .await?
        .rows_affected
        == 1)
}

impl Db {
    pub async fn get_setting(&self, key: &str) -> Result<Option<String>, DbError> {
        Ok(setting::Entity::find_by_id(key.to_owned())
            .one(&self.read)
            .await?
            .map(|m| m.value))
    }

    pub async fn all_settings(&self) -> Result<Vec<(String, String)>, DbError> {
        Ok(setting::Entity::find()
            .all(&self.read)
            .await?
            .into_iter()
            .map(|m| (m.key, m.value))
            .collect())
    }

    pub async fn put_setting(&self, key: &str, value: &str, now: Timestamp) -> Result<(), DbError> {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value.to_owned()),
            updated_at: Set(now.0),
        })
        .on_conflict(
            OnConflict::column(setting::Column::Key)
                .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(&self.write)
        .await?;
        Ok(())
    }

    /// The value of `key`, storing `value` first if there is none (the first writer wins, so
    /// every node ends up with the same value).
    pub async fn setting_or_insert(
        &self,
        key: &str,
        value: &str,
        now: Timestamp,
    ) -> Result<String, DbError> {
        setting::Entity::insert(setting::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value.to_owned()),
            updated_at: Set(now.0),
        })
        .on_conflict_do_nothing_on([setting::Column::Key])
        .exec_without_returning(&self.write)
        .await?;
        // Read from the writer: a reader could lag behind the insert on a replica.
        setting::Entity::find_by_id(key.to_owned())
            .one(&self.write)
            .await?
            .map(|m| m.value)
            .ok_or(DbError::Corrupt(format!("setting {key} vanished")))
    }

    pub async fn delete_setting(&self, key: &str) -> Result<(), DbError> {
        setting::Entity::delete_by_id(key.to_owned())
            .exec(&self.write)
            .await?;
        Ok(())
    }
}
