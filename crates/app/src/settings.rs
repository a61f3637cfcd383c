//! Owns site settings editable by admins (name, description, sign-ups, default palette,
//! accent colour, and the logo's id; the logo itself is in `site_logo`). Stored as one JSON
//! document in the shared settings table, so every node sees a change on its next read.

use serde::{Deserialize, Serialize};
use vitrine_domain::{HexColor, ValidationError};

use crate::{Actor, App, AppError, RequestMeta};

const SITE_KEY: &str = "site";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct SiteSettings {
    pub name: String,
    pub description: String,
    pub signups_enabled: bool,
    /// The palette visitors get until they pick one with the theme switch.
    pub default_theme: DefaultTheme,
    /// Replaces the built-in accent colour; `None` keeps it. A validated `#rrggbb` (safe to
    /// put into CSS as it is).
    pub accent: Option<HexColor>,
    /// Public id of the logo image (a media row of kind `logo`, never listed).
    pub logo_media_id: Option<String>,
}

impl Default for SiteSettings {
    fn default() -> Self {
        Self {
            name: "Vitrine".to_owned(),
            description: "Image hosting for your community".to_owned(),
            signups_enabled: true,
            default_theme: DefaultTheme::System,
            accent: None,
            logo_media_id: None,
        }
    }
}

/// The site's default palette: `system` follows the visitor's `prefers-color-scheme`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DefaultTheme {
    #[default]
    System,
    Light,
    Dark,
}

impl DefaultTheme {
    pub const ALL: [DefaultTheme; 3] = [
        DefaultTheme::System,
        DefaultTheme::Light,
        DefaultTheme::Dark,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DefaultTheme::System => "system",
            DefaultTheme::Light => "light",
            DefaultTheme::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Result<DefaultTheme, ValidationError> {
        DefaultTheme::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ValidationError::new("default_theme", "must be system, light or dark"))
    }
}

/// A partial update: absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SiteSettingsPatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub signups_enabled: Option<bool>,
    /// `system`, `light` or `dark`.
    pub default_theme: Option<String>,
    /// `#rrggbb`, or empty for the built-in colour.
    pub accent: Option<String>,
}

impl App {
    /// A setting every page reads: from Redis when configured (filled on a miss), else from
    /// the database.
    pub(crate) async fn cached_setting(&self, key: &str) -> Result<Option<String>, AppError> {
        let Some(cache) = &self.cache else {
            return Ok(self.db.get_setting(key).await?);
        };
        if let Some(hit) = cache.setting(key).await {
            return Ok(hit);
        }
        let value = self.db.get_setting(key).await?;
        cache.keep_setting(key, value.as_deref()).await;
        Ok(value)
    }

    /// Puts the new value of a setting in the cache after its row changed, so every node
    /// reads it at once.
    pub(crate) async fn setting_changed(&self, key: &str, value: &str) {
        if let Some(cache) = &self.cache {
            cache.setting_changed(key, value).await;
        }
    }

    pub async fn site_settings(&self) -> Result<SiteSettings, AppError> {
        self.site_settings_from(self.cached_setting(SITE_KEY).await?)
    }

    /// Straight from the database, for read-modify-write.
    pub(crate) async fn site_settings_fresh(&self) -> Result<SiteSettings, AppError> {
        self.site_settings_from(self.db.get_setting(SITE_KEY).await?)
    }

    fn site_settings_from(&self, stored: Option<String>) -> Result<SiteSettings, AppError> {
        match stored {
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
        let mut s = self.site_settings_fresh().await?;
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
        if let Some(theme) = patch.default_theme {
            s.default_theme = DefaultTheme::parse(theme.trim())?;
        }
        if let Some(accent) = patch.accent {
            let accent = accent.trim();
            s.accent = if accent.is_empty() {
                None
            } else {
                Some(HexColor::parse(accent, "accent")?)
            };
        }
        self.save_site_settings(actor, &s, meta).await?;
        Ok(s)
    }

    /// Stores the whole document and notes the change in the audit log.
    pub(crate) async fn save_site_settings(
        &self,
        actor: &Actor,
        s: &SiteSettings,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let json = serde_json::to_string(s).map_err(|e| AppError::Internal(e.to_string()))?;
        self.db
            .put_setting(SITE_KEY, &json, self.clock.now())
            .await?;
        self.setting_changed(SITE_KEY, &json).await;
        let details = serde_json::to_value(s).ok();
        self.audit(
            actor.audit_id(),
            "settings_changed",
            Some(SITE_KEY),
            meta,
            details,
        )
        .await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_parse_strictly() {
        for t in DefaultTheme::ALL {
            assert_eq!(DefaultTheme::parse(t.as_str()), Ok(t));
        }
        for bad in ["", "Dark", "auto", "dark;"] {
            assert!(DefaultTheme::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn documents_without_the_new_fields_still_read() {
        let old = r#"{"name":"Old","description":"d","signups_enabled":false}"#;
        let s: SiteSettings = serde_json::from_str(old).unwrap();
        assert_eq!(s.name, "Old");
        assert_eq!(s.default_theme, DefaultTheme::System);
        assert_eq!(s.accent, None);
        assert_eq!(s.logo_media_id, None);
    }
}
