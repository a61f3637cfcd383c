//! Owns the `api_keys` table. Only the SHA-256 of a secret is stored; lookups go by that hash.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use vitrine_domain::Timestamp;

use crate::entity::api_key;
use crate::{Db, DbError};

#[derive(Debug, Clone)]
pub struct ApiKeyRecord {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the secret, shown so people can tell keys apart.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl From<api_key::Model> for ApiKeyRecord {
    fn from(m: api_key::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            name: m.name,
            prefix: m.prefix,
            created_at: Timestamp(m.created_at),
            last_used_at: m.last_used_at.map(Timestamp),
            revoked_at: m.revoked_at.map(Timestamp),
        }
    }
}

#[derive(Debug)]
pub struct NewApiKey<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    pub now: Timestamp,
}

impl Db {
    pub async fn insert_api_key(&self, k: NewApiKey<'_>) -> Result<ApiKeyRecord, DbError> {
        Ok(api_key::ActiveModel {
            user_id: Set(k.user_id),
            name: Set(k.name.to_owned()),
            prefix: Set(k.prefix.to_owned()),
            secret_hash: Set(k.secret_hash.to_owned()),
            created_at: Set(k.now.0),
            last_used_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&self.write)
        .await?
        .into())
    }

    /// The user's keys that have not been revoked, newest first.
    pub async fn list_api_keys(&self, user_id: i64) -> Result<Vec<ApiKeyRecord>, DbError> {
        Ok(api_key::Entity::find()
            .filter(api_key::Column::UserId.eq(user_id))
            .filter(api_key::Column::RevokedAt.is_null())
            .order_by_desc(api_key::Column::Id)
            .all(&self.read)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The live key with this secret hash, if any.
    pub async fn find_api_key_by_hash(&self, hash: &str) -> Result<Option<ApiKeyRecord>, DbError> {
        Ok(api_key::Entity::find()
            .filter(api_key::Column::SecretHash.eq(hash))
            .filter(api_key::Column::RevokedAt.is_null())
            .one(&self.read)
            .await?
            .map(Into::into))
    }

    /// Revokes one of the user's keys; false when it does not exist, is not theirs or is gone.
    pub async fn revoke_api_key(
        &self,
        user_id: i64,
        key_id: i64,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        Ok(api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(now.0))
            .filter(api_key::Column::Id.eq(key_id))
            .filter(api_key::Column::UserId.eq(user_id))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(&self.write)
            .await?
            .rows_affected
            == 1)
    }

    pub async fn touch_api_key(&self, key_id: i64, now: Timestamp) -> Result<(), DbError> {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now.0))
            .filter(api_key::Column::Id.eq(key_id))
            .exec(&self.write)
            .await?;
        Ok(())
    }
}
