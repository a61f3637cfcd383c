//! Owns what anyone may learn about a user: the public profile, found by username. Banned
//! users' profiles are hidden from everyone but staff, like their content.

use vitrine_db::UserRecord;
use vitrine_domain::UserStatus;

use crate::visibility::Viewer;
use crate::{Actor, App, AppError};

impl App {
    /// The user behind `username` if the viewer may see their profile.
    pub async fn public_profile(
        &self,
        viewer: &Viewer,
        username: &str,
    ) -> Result<UserRecord, AppError> {
        let user = self
            .db
            .find_user_by_username(username)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let staff = match &viewer.actor {
            Actor::System => true,
            Actor::User(u) => u.role.is_staff() || u.id == user.id,
            Actor::Anonymous => false,
        };
        if user.status == UserStatus::Banned && !staff {
            return Err(AppError::NotFound("user"));
        }
        Ok(user)
    }

    /// The username of an account (for credits such as oEmbed's author).
    pub async fn username_of(&self, id: i64) -> Result<Option<String>, AppError> {
        Ok(self.db.find_user(id).await?.map(|u| u.username.to_string()))
    }

    /// Whether a media item with this public id exists (whoever may see it).
    pub async fn media_exists(&self, id: &str) -> Result<bool, AppError> {
        Ok(self.db.find_media(id).await?.is_some())
    }
}
