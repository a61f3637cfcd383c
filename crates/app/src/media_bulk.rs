//! Owns changing many media at once: move into an album (or out of any), set the privacy
//! level or the NSFW flag, delete. Every item must be one the actor may change, and the target
//! album one they may change too; otherwise nothing happens.

use vitrine_db::{MediaRecord, PROFILE_KINDS};
use vitrine_domain::ValidationError;

use crate::visibility::{Access, Viewer, allows};
use crate::{Actor, App, AppError, RequestMeta};

const MAX_BULK: usize = 500;

/// A change to apply to every listed media item.
#[derive(Debug, Clone, Default)]
pub struct BulkEdit {
    pub privacy: Option<String>,
    pub nsfw: Option<bool>,
}

impl App {
    /// The media behind `ids`, all editable by `actor` (or an error naming the first that is
    /// not).
    async fn editable_many(
        &self,
        actor: &Actor,
        ids: &[String],
    ) -> Result<Vec<MediaRecord>, AppError> {
        if ids.is_empty() || ids.len() > MAX_BULK {
            return Err(ValidationError::new("media", "must list 1 to 500 media ids").into());
        }
        let found = self.db.media_by_public_ids(ids).await?;
        for id in ids {
            // Avatars, covers and the site logo are changed only through their own settings.
            let Some(m) = found
                .iter()
                .find(|m| m.public_id.as_str() == id && !PROFILE_KINDS.contains(&m.kind.as_str()))
            else {
                return Err(AppError::NotFound("media"));
            };
            let facts = self.media_facts(m).await?;
            if !self
                .permits(&Viewer::from(actor), &facts, Access::View)
                .await?
            {
                return Err(AppError::NotFound("media"));
            }
            if !allows(actor, &[], &facts, Access::Edit) {
                return Err(AppError::Forbidden);
            }
        }
        Ok(found)
    }

    /// Moves media into `album` (public id; None: out of any album).
    pub async fn move_media(
        &self,
        actor: &Actor,
        ids: &[String],
        album: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let media = self.editable_many(actor, ids).await?;
        let target = match album {
            Some(a) => Some(self.album_for_media(actor, a).await?),
            None => None,
        };
        // Media go only into their own owner's albums (staff included), so an album's owner
        // never holds, counts or deletes someone else's media.
        if let Some(t) = &target
            && media.iter().any(|m| m.owner_id != Some(t.owner_id))
        {
            return Err(ValidationError::new("album", "must belong to the media's owner").into());
        }
        let media_ids: Vec<i64> = media.iter().map(|m| m.id).collect();
        self.db
            .move_media(&media_ids, target.map(|a| a.id), self.clock.now())
            .await?;
        self.audit(actor.audit_id(), "media_moved", album, meta, None)
            .await;
        Ok(())
    }

    /// Applies `edit` to every listed media item.
    pub async fn edit_media_bulk(
        &self,
        actor: &Actor,
        ids: &[String],
        edit: BulkEdit,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let privacy = edit
            .privacy
            .as_deref()
            .map(crate::upload::media_privacy)
            .transpose()?;
        let media = self.editable_many(actor, ids).await?;
        let media_ids: Vec<i64> = media.iter().map(|m| m.id).collect();
        let now = self.clock.now();
        if let Some(p) = privacy {
            self.db.set_media_privacy(&media_ids, p, now).await?;
        }
        if let Some(n) = edit.nsfw {
            self.db.set_media_nsfw(&media_ids, n, now).await?;
        }
        self.audit(actor.audit_id(), "media_edited", None, meta, None)
            .await;
        Ok(())
    }

    /// Deletes every listed media item.
    pub async fn delete_media_bulk(
        &self,
        actor: &Actor,
        ids: &[String],
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let media = self.editable_many(actor, ids).await?;
        for m in &media {
            self.remove_media(m).await?;
        }
        self.audit(actor.audit_id(), "media_deleted", None, meta, None)
            .await;
        Ok(())
    }
}
