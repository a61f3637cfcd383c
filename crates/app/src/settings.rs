//! Owns site settings editable by admins (name, description, sign-ups). Stored as one JSON
//! document in the shared settings table, so every node sees a change on its next read.

use serde::{Deserialize, Serialize};
use vitrine_domain::ValidationError;

use crate::{Actor, App, AppError, RequestMeta};

const SITE_KEY: &str = "site";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct SiteSettings {
    pub name: String,
    pub description: String,
    pub signups_enabled: bool,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            name: "Vitrine".to_owned(),
            description: "Image hosting for your community".to_owned(),
            signups_enabled: true,
        }
    }
}

/// A partial update: absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SiteSettingsPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub signups_enabled: Option<bool>,
}

impl App {
    pub async fn site_settings(&self) -> Result<SiteSettings, AppError> {
        match self.db.get_setting(SITE_KEY).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| AppError::Internal(format!("site settings are unreadable: {e}"))),
            None => Ok(SiteSettings::default()),
        }
    }

    pub async fn update_site_settings(
        &self,
        actor: &Actor,
        patch: SiteSettingsPatch,
        meta: &RequestMeta,
    ) -> Result<SiteSettings, AppError> {
        actor.require_admin()?;
        let mut s = self.site_settings().await?;
        if let Some(name) = patch.name {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 64 {
                return Err(ValidationError::new("name", "must be 1 to 64 characters long").into());
            }
            s.name = name.to_owned();
        }
        if let Some(d) = patch.description {
            if d.chars().count() > 300 {
                return Err(
                    ValidationError::new("description", "must be at most 300 characters").into(),
                );
            }
            s.description = d.trim().to_owned();
        }
        if let Some(on) = patch.signups_enabled {
            s.signups_enabled = on;
        }
        let json = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
        self.db
            .put_setting(SITE_KEY, &json, self.clock.now())
            .await?;
        let details = serde_json::to_value(&s).ok();
        self.audit(
            actor.audit_id(),
            "settings_changed",
            Some(SITE_KEY),
            meta,
            details,
        )
        .await;
        Ok(s)
    }
}
