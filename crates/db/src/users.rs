//! Owns the `users` table: create, look up, change password, role and status.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};
use vitrine_domain::{Email, Role, Timestamp, UserStatus, Username};

use crate::entity::{password_reset, session, user};
use crate::{Db, DbError};

/// An account as stored.
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: Username,
    /// `None`: signed up on a site that sends no e-mail, so no address was collected.
    pub email: Option<Email>,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Keep camera EXIF (never GPS) in this user's stored originals.
    pub keep_exif: bool,
    pub bio: String,
    /// An http(s) URL, or empty.
    pub website: String,
    /// Hide the profile and its listings from everyone but the user and staff.
    pub private_profile: bool,
    pub avatar_media_id: Option<i64>,
    pub cover_media_id: Option<i64>,
}

/// Which profile image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileImage {
    Avatar,
    Cover,
}

/// The profile fields a user edits.
#[derive(Debug, Clone)]
pub struct ProfileFields {
    pub bio: String,
    pub website: String,
    pub private_profile: bool,
}

impl TryFrom<user::Model> for UserRecord {
    type Error = DbError;
    fn try_from(m: user::Model) -> Result<Self, DbError> {
        Ok(Self {
            id: m.id,
            username: Username::from_stored(&m.username)?,
            email: m.email.as_deref().map(Email::parse).transpose()?,
            display_name: m.display_name,
            password_hash: m.password_hash,
            role: m.role.parse()?,
            status: m.status.parse()?,
            created_at: Timestamp(m.created_at),
            updated_at: Timestamp(m.updated_at),
            keep_exif: m.keep_exif,
            bio: m.bio,
            website: m.website,
            private_profile: m.private_profile,
            avatar_media_id: m.avatar_media_id,
            cover_media_id: m.cover_media_id,
        })
    }
}

/// What is needed to create an account (the hash is computed by the caller).
#[derive(Debug)]
pub struct NewUser<'a> {
    pub username: &'a Username,
    /// `None` only for public sign-up on a site that sends no e-mail.
    pub email: Option<&'a Email>,
    pub password_hash: String,
    pub role: Role,
    pub now: Timestamp,
}

pub(crate) fn active(new: NewUser<'_>) -> user::ActiveModel {
    user::ActiveModel {
        username: Set(new.username.as_str().to_owned()),
        email: Set(new.email.map(|e| e.as_str().to_owned())),
        display_name: Set(None),
        password_hash: Set(new.password_hash),
        role: Set(new.role.as_str().to_owned()),
        status: Set(UserStatus::Active.as_str().to_owned()),
        created_at: Set(new.now.0),
        updated_at: Set(new.now.0),
        keep_exif: Set(false),
        bio: Set(String::new()),
        website: Set(String::new()),
        private_profile: Set(false),
        avatar_media_id: Set(None),
        cover_media_id: Set(None),
        ..Default::default()
    }
}

impl Db {
    pub async fn create_user(&self, new: NewUser<'_>) -> Result<UserRecord, DbError> {
        active(new).insert(&self.write).await?.try_into()
    }

    /// Creates an admin only if `setup_key` still holds `token_hash`, consuming it in the
    /// same transaction: a setup link works exactly once, even under concurrent submits.
    pub async fn create_user_consuming_setting(
        &self,
        new: NewUser<'_>,
        setup_key: &str,
        token_hash: &str,
    ) -> Result<Option<UserRecord>, DbError> {
        let txn = self.write.begin().await?;
        if !crate::settings::take_if_equals(&txn, setup_key, token_hash).await? {
            return Ok(None);
        }
        let created = active(new).insert(&txn).await?;
        txn.commit().await?;
        Ok(Some(created.try_into()?))
    }

    pub async fn find_user(&self, id: i64) -> Result<Option<UserRecord>, DbError> {
        user::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    pub async fn find_user_by_username(&self, name: &str) -> Result<Option<UserRecord>, DbError> {
        user::Entity::find()
            .filter(user::Column::Username.eq(name.trim().to_lowercase()))
            .one(&self.read)
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    /// Finds an account by username or e-mail (both are stored lower-cased); accounts without
    /// an address are found by username only.
    pub async fn find_user_by_login(&self, login: &str) -> Result<Option<UserRecord>, DbError> {
        let folded = login.trim().to_lowercase();
        let col = if folded.contains('@') {
            user::Column::Email
        } else {
            user::Column::Username
        };
        user::Entity::find()
            .filter(col.eq(folded))
            .one(&self.read)
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    pub async fn count_users_with_role(&self, role: Role) -> Result<u64, DbError> {
        Ok(user::Entity::find()
            .filter(user::Column::Role.eq(role.as_str()))
            .count(&self.read)
            .await?)
    }

    /// Sets a new password hash and ends every session of the user except `keep_session`.
    pub async fn set_password_hash(
        &self,
        user_id: i64,
        hash: String,
        keep_session: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let txn = self.write.begin().await?;
        let updated = user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(now.0))
            .filter(user::Column::Id.eq(user_id))
            .exec(&txn)
            .await?
            .rows_affected;
        let mut del = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
        if let Some(keep) = keep_session {
            del = del.filter(session::Column::Id.ne(keep));
        }
        del.exec(&txn).await?;
        // A new password makes every pending reset link for the old one worthless.
        password_reset::Entity::delete_many()
            .filter(password_reset::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(updated == 1)
    }

    pub async fn set_user_role(
        &self,
        user_id: i64,
        role: Role,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let res = user::Entity::update_many()
            .col_expr(user::Column::Role, Expr::value(role.as_str()))
            .col_expr(user::Column::UpdatedAt, Expr::value(now.0))
            .filter(user::Column::Id.eq(user_id))
            .exec(&self.write)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Sets the account status; banning also ends all of the user's sessions.
    pub async fn set_user_status(
        &self,
        user_id: i64,
        status: UserStatus,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let txn = self.write.begin().await?;
        let res = user::Entity::update_many()
            .col_expr(user::Column::Status, Expr::value(status.as_str()))
            .col_expr(user::Column::UpdatedAt, Expr::value(now.0))
            .filter(user::Column::Id.eq(user_id))
            .exec(&txn)
            .await?;
        if status == UserStatus::Banned {
            session::Entity::delete_many()
                .filter(session::Column::UserId.eq(user_id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(res.rows_affected == 1)
    }

    pub async fn set_display_name(
        &self,
        user_id: i64,
        display_name: Option<String>,
        now: Timestamp,
    ) -> Result<(), DbError> {
        user::Entity::update_many()
            .col_expr(user::Column::DisplayName, Expr::value(display_name))
            .col_expr(user::Column::UpdatedAt, Expr::value(now.0))
            .filter(user::Column::Id.eq(user_id))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    pub async fn set_profile(
        &self,
        user_id: i64,
        p: ProfileFields,
        now: Timestamp,
    ) -> Result<(), DbError> {
        user::Entity::update_many()
            .col_expr(user::Column::Bio, Expr::value(p.bio))
            .col_expr(user::Column::Website, Expr::value(p.website))
            .col_expr(user::Column::PrivateProfile, Expr::value(p.private_profile))
            .col_expr(user::Column::UpdatedAt, Expr::value(now.0))
            .filter(user::Column::Id.eq(user_id))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// `(id, username)` of the given accounts.
    pub async fn usernames_of(&self, ids: &[i64]) -> Result<Vec<(i64, String)>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Username)
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.read)
            .await?)
    }

    /// Points the user's avatar or cover at a media item (None clears it).
    pub async fn set_profile_image(
        &self,
        user_id: i64,
        which: ProfileImage,
        media_id: Option<i64>,
        now: Timestamp,
    ) -> Result<(), DbError> {
        let col = match which {
            ProfileImage::Avatar => user::Column::AvatarMediaId,
            ProfileImage::Cover => user::Column::CoverMediaId,
        };
        user::Entity::update_many()
            .col_expr(col, Expr::value(media_id))
            .col_expr(user::Column::UpdatedAt, Expr::value(now.0))
            .filter(user::Column::Id.eq(user_id))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// Which of `ids` keep their content out of listings: banned, or with a private profile.
    pub async fn unlisted_owners_among(&self, ids: &[i64]) -> Result<Vec<(i64, bool)>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(i64, String, bool)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Status)
            .column(user::Column::PrivateProfile)
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .filter(
                sea_orm::Condition::any()
                    .add(user::Column::Status.eq(UserStatus::Banned.as_str()))
                    .add(user::Column::PrivateProfile.eq(true)),
            )
            .into_tuple()
            .all(&self.read)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, status, _)| (id, status == UserStatus::Banned.as_str()))
            .collect())
    }

    pub async fn set_keep_exif(
        &self,
        user_id: i64,
        keep: bool,
        now: Timestamp,
    ) -> Result<(), DbError> {
        user::Entity::update_many()
            .col_expr(user::Column::KeepExif, Expr::value(keep))
            .col_expr(user::Column::UpdatedAt, Expr::value(now.0))
            .filter(user::Column::Id.eq(user_id))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// Users whose name or e-mail starts with `prefix`, by name, after `after` (keyset).
    pub async fn list_users(
        &self,
        prefix: Option<&str>,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<UserRecord>, DbError> {
        use sea_orm::{QueryOrder, QuerySelect};
        let mut q = user::Entity::find().order_by_asc(user::Column::Username);
        if let Some(p) = prefix
            .map(|p| p.trim().to_lowercase())
            .filter(|p| !p.is_empty())
        {
            // `_` stays a one-character wildcard: harmless over-matching for a search box.
            let pat = format!("{}%", p.replace(['\\', '%'], ""));
            q = q.filter(
                user::Column::Username
                    .like(pat.clone())
                    .or(user::Column::Email.like(pat)),
            );
        }
        if let Some(a) = after {
            q = q.filter(user::Column::Username.gt(a));
        }
        q.limit(limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }
}
