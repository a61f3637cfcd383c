//! Owns the site logo: an image an admin uploads through the ingest pipeline (stored like an
//! avatar, as a media row of kind `logo` that no listing shows), whose public id is kept in the
//! site settings. Replacing or removing it deletes the previous one.

use vitrine_db::MediaFiles;

use crate::upload::{Purpose, UploadInput};
use crate::{Actor, App, AppError, RequestMeta, SiteSettings, UploadTicket};

impl App {
    /// Stores an uploaded image as the site logo; returns the updated settings.
    pub async fn set_site_logo(
        &self,
        actor: &Actor,
        ticket: UploadTicket,
        mut input: UploadInput,
        meta: &RequestMeta,
    ) -> Result<SiteSettings, AppError> {
        actor.require_admin()?;
        input.purpose = Purpose::Logo;
        let uploaded = self.upload(ticket, input).await?;
        let id = uploaded.files.media.public_id.to_string();
        self.replace_site_logo(actor, Some(id), meta).await
    }

    /// Goes back to the built-in mark.
    pub async fn clear_site_logo(
        &self,
        actor: &Actor,
        meta: &RequestMeta,
    ) -> Result<SiteSettings, AppError> {
        actor.require_admin()?;
        self.replace_site_logo(actor, None, meta).await
    }

    async fn replace_site_logo(
        &self,
        actor: &Actor,
        new: Option<String>,
        meta: &RequestMeta,
    ) -> Result<SiteSettings, AppError> {
        let mut s = self.site_settings_fresh().await?;
        let old = std::mem::replace(&mut s.logo_media_id, new);
        self.save_site_settings(actor, &s, meta).await?;
        // After the settings stopped pointing at it, so no page links a deleted file.
        if let Some(old) = old.filter(|o| s.logo_media_id.as_ref() != Some(o))
            && let Some(m) = self.db.find_media(&old).await?
        {
            self.remove_media(&m).await?;
        }
        Ok(s)
    }

    /// The logo's files when one is set (public by nature: shown on every page).
    pub async fn site_logo(&self, site: &SiteSettings) -> Result<Option<MediaFiles>, AppError> {
        match &site.logo_media_id {
            Some(id) => Ok(self.db.media_files(id).await?),
            None => Ok(None),
        }
    }
}
