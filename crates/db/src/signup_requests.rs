//! Owns the `signup_requests` table: sign-ups waiting for their e-mail address to be
//! confirmed, stored by the hash of their link's secret. Confirming takes (deletes) the request
//! and creates the account in one transaction, so a link works once.

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait,
};
use vitrine_domain::{Email, Role, Timestamp, Username};

use crate::entity::signup_request;
use crate::users::{NewUser, active};
use crate::{Db, DbError, UserRecord};

/// A pending sign-up.
#[derive(Debug, Clone)]
pub struct SignupRequestRecord {
    pub username: Username,
    pub email: Email,
    pub password_hash: String,
    pub expires_at: Timestamp,
}

/// What a new request stores (the hash of the link's secret, never the secret).
#[derive(Debug)]
pub struct NewSignupRequest<'a> {
    pub id: &'a str,
    pub username: &'a Username,
    pub email: &'a Email,
    pub password_hash: String,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

impl TryFrom<signup_request::Model> for SignupRequestRecord {
    type Error = DbError;
    fn try_from(m: signup_request::Model) -> Result<Self, DbError> {
        Ok(Self {
            username: Username::from_stored(&m.username)?,
            email: Email::parse(&m.email)?,
            password_hash: m.password_hash,
            expires_at: Timestamp(m.expires_at),
        })
    }
}

impl Db {
    /// Stores a request, replacing every older one for the same address (someone holding an
    /// unconfirmed request must not block the address's owner).
    pub async fn insert_signup_request(&self, r: NewSignupRequest<'_>) -> Result<(), DbError> {
        let txn = self.write.begin().await?;
        signup_request::Entity::delete_many()
            .filter(signup_request::Column::Email.eq(r.email.as_str()))
            .exec(&txn)
            .await?;
        signup_request::ActiveModel {
            id: Set(r.id.to_owned()),
            username: Set(r.username.as_str().to_owned()),
            email: Set(r.email.as_str().to_owned()),
            password_hash: Set(r.password_hash),
            created_at: Set(r.now.0),
            expires_at: Set(r.expires_at.0),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The unexpired request a link belongs to.
    pub async fn signup_request(
        &self,
        id: &str,
        now: Timestamp,
    ) -> Result<Option<SignupRequestRecord>, DbError> {
        signup_request::Entity::find_by_id(id.to_owned())
            .filter(signup_request::Column::ExpiresAt.gt(now.0))
            .one(&self.write)
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    /// Uses up an unexpired request and creates its account, in one transaction: `None` when
    /// the link is unknown, expired or was taken by a concurrent request first. A taken
    /// username or address fails with `Conflict` and leaves the request as it was.
    pub async fn complete_signup_request(
        &self,
        id: &str,
        role: Role,
        now: Timestamp,
    ) -> Result<Option<UserRecord>, DbError> {
        let txn = self.write.begin().await?;
        let Some(found) = signup_request::Entity::find_by_id(id.to_owned())
            .filter(signup_request::Column::ExpiresAt.gt(now.0))
            .one(&txn)
            .await?
        else {
            return Ok(None);
        };
        let taken = signup_request::Entity::delete_many()
            .filter(signup_request::Column::Id.eq(id))
            .filter(signup_request::Column::ExpiresAt.gt(now.0))
            .exec(&txn)
            .await?
            .rows_affected;
        if taken != 1 {
            return Ok(None);
        }
        let request = SignupRequestRecord::try_from(found)?;
        let user = active(NewUser {
            username: &request.username,
            email: Some(&request.email),
            password_hash: request.password_hash,
            role,
            now,
        })
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(Some(user.try_into()?))
    }

    pub async fn delete_expired_signup_requests(&self, now: Timestamp) -> Result<u64, DbError> {
        Ok(signup_request::Entity::delete_many()
            .filter(signup_request::Column::ExpiresAt.lte(now.0))
            .exec(&self.write)
            .await?
            .rows_affected)
    }
}
