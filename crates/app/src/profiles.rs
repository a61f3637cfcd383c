//! Owns profiles: what anyone may learn about a user (found by username), and the fields a
//! user edits (bio, website, private-profile switch). Banned users' profiles are hidden from
//! everyone but staff, like their content; a private profile shows only its name to others,
//! and its listings are closed to them.

use vitrine_db::{MediaFiles, ProfileFields, ProfileImage, UserRecord};
use vitrine_domain::{UserStatus, ValidationError};

use crate::upload::{Purpose, UploadInput, Uploaded};
use crate::visibility::Viewer;
use crate::{Actor, App, AppError, UploadTicket};

/// Changes to the signed-in user's profile (absent fields stay as they are).
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub bio: Option<String>,
    pub website: Option<String>,
    pub private_profile: Option<bool>,
}

fn check_website(w: &str) -> Result<String, ValidationError> {
    let w = w.trim();
    if w.is_empty() {
        return Ok(String::new());
    }
    let bad = || ValidationError::new("website", "must be an http:// or https:// address");
    let url = url::Url::parse(w).map_err(|_| bad())?;
    let normalised = url.to_string();
    // Measured after normalisation (punycode, percent-encoding), which is what is stored.
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none()
        || normalised.len() > 255
    {
        return Err(bad());
    }
    Ok(normalised)
}

/// Whether the viewer may see everything of `user`'s (themselves or staff).
fn sees_all(viewer: &Viewer, user: &UserRecord) -> bool {
    match &viewer.actor {
        Actor::System => true,
        Actor::User(u) => u.role.is_staff() || u.id == user.id,
        Actor::Anonymous => false,
    }
}

impl App {
    /// Saves the signed-in user's bio, website and private-profile switch.
    pub async fn update_profile(&self, actor: &Actor, patch: ProfilePatch) -> Result<(), AppError> {
        let u = actor.require_user()?;
        let me = self
            .db
            .find_user(u.id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let bio = patch.bio.map_or(me.bio, |b| b.trim().to_owned());
        if bio.chars().count() > 1000 {
            return Err(ValidationError::new("bio", "must be at most 1000 characters").into());
        }
        let website = match patch.website {
            Some(w) => check_website(&w)?,
            None => me.website,
        };
        let fields = ProfileFields {
            bio,
            website,
            private_profile: patch.private_profile.unwrap_or(me.private_profile),
        };
        self.db.set_profile(u.id, fields, self.clock.now()).await?;
        Ok(())
    }

    /// The owner of listings the viewer asked for: refused when the profile is private to them.
    pub async fn listable_profile(
        &self,
        viewer: &Viewer,
        username: &str,
    ) -> Result<UserRecord, AppError> {
        let user = self.public_profile(viewer, username).await?;
        if user.private_profile && !sees_all(viewer, &user) {
            return Err(AppError::ProfilePrivate);
        }
        Ok(user)
    }

    /// Whether the viewer sees `user`'s profile fields, or only the name (private profile).
    pub fn profile_open_to(&self, viewer: &Viewer, user: &UserRecord) -> bool {
        !user.private_profile || sees_all(viewer, user)
    }

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
        if user.status == UserStatus::Banned && !sees_all(viewer, &user) {
            return Err(AppError::NotFound("user"));
        }
        Ok(user)
    }

    /// The username of an account (for credits such as oEmbed's author).
    pub async fn username_of(&self, id: i64) -> Result<Option<String>, AppError> {
        Ok(self.db.find_user(id).await?.map(|u| u.username.to_string()))
    }

    /// Stores an uploaded image as the ticket holder's avatar or cover (through the ingest
    /// pipeline with its own sizes); the previous one is deleted.
    pub async fn set_profile_image(
        &self,
        ticket: UploadTicket,
        mut input: UploadInput,
        which: ProfileImage,
    ) -> Result<Uploaded, AppError> {
        let user = ticket.owner.clone().ok_or(AppError::Unauthenticated)?;
        input.purpose = match which {
            ProfileImage::Avatar => Purpose::Avatar,
            ProfileImage::Cover => Purpose::Cover,
        };
        let uploaded = self.upload(ticket, input).await?;
        self.replace_profile_image(&user, which, Some(uploaded.files.media.id))
            .await?;
        Ok(uploaded)
    }

    /// Removes the signed-in user's avatar or cover.
    pub async fn clear_profile_image(
        &self,
        actor: &Actor,
        which: ProfileImage,
    ) -> Result<(), AppError> {
        let u = actor.require_user()?;
        let user = self
            .db
            .find_user(u.id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        self.replace_profile_image(&user, which, None).await
    }

    async fn replace_profile_image(
        &self,
        user: &UserRecord,
        which: ProfileImage,
        new: Option<i64>,
    ) -> Result<(), AppError> {
        let old = match which {
            ProfileImage::Avatar => user.avatar_media_id,
            ProfileImage::Cover => user.cover_media_id,
        };
        self.db
            .set_profile_image(user.id, which, new, self.clock.now())
            .await?;
        if let Some(old) = old.filter(|o| Some(*o) != new) {
            for m in self.db.media_by_ids(&[old]).await? {
                self.remove_media(&m).await?;
            }
        }
        Ok(())
    }

    /// The user's avatar and cover (public by nature: shown wherever the name is).
    pub async fn profile_images(
        &self,
        user: &UserRecord,
    ) -> Result<(Option<MediaFiles>, Option<MediaFiles>), AppError> {
        let ids: Vec<i64> = [user.avatar_media_id, user.cover_media_id]
            .into_iter()
            .flatten()
            .collect();
        let files = self.db.files_for(self.db.media_by_ids(&ids).await?).await?;
        let pick =
            |id: Option<i64>| id.and_then(|id| files.iter().find(|f| f.media.id == id).cloned());
        Ok((pick(user.avatar_media_id), pick(user.cover_media_id)))
    }
}
