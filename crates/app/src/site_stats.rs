//! Owns the admin overview's totals (accounts, media, storage), for admins only.

use vitrine_db::SiteStats;

use crate::{Actor, App, AppError};

impl App {
    pub async fn site_stats(&self, actor: &Actor) -> Result<SiteStats, AppError> {
        actor.require_admin()?;
        Ok(self.db.site_stats().await?)
    }
}
