//! Owns counting views: once per visitor (an account, or a hash of address and browser for
//! visitors who are not signed in; no address is stored) per media per day, never for the
//! owner.

use sha2::{Digest, Sha256};
use vitrine_db::MediaFiles;

use crate::visibility::Viewer;
use crate::{App, AppError, RequestMeta};

impl App {
    /// Counts a view of media the viewer has just been shown; true when it counted.
    pub async fn count_view(
        &self,
        viewer: &Viewer,
        files: &MediaFiles,
        meta: &RequestMeta,
    ) -> Result<bool, AppError> {
        let m = &files.media;
        let visitor = match viewer.actor.user() {
            Some(u) if m.owner_id == Some(u.id) => return Ok(false),
            Some(u) => format!("u:{}", u.id),
            None => {
                let mut h = Sha256::new();
                h.update(meta.ip.as_deref().unwrap_or_default());
                h.update([0]);
                h.update(meta.user_agent.as_deref().unwrap_or_default());
                hex::encode(&h.finalize()[..24])
            }
        };
        let day = self.clock.now().0.div_euclid(86_400);
        Ok(self.db.record_view(m.id, &visitor, day).await?)
    }
}
