//! Owns the upload settings admins can change: size and pixel limits, derivative sizes and the
//! site's EXIF policy. Stored as one JSON document in the shared settings table.

use serde::{Deserialize, Serialize};
use vitrine_domain::ValidationError;
use vitrine_media::{Limits, MetadataPolicy, Options};

use crate::{Actor, App, AppError, RequestMeta};

const KEY: &str = "uploads";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct UploadSettings {
    /// Largest upload in bytes.
    pub max_bytes: u64,
    pub max_megapixels: u64,
    pub max_side: u64,
    pub max_frames: u64,
    pub thumb_size: u32,
    pub medium_size: u32,
    /// Keep camera EXIF (never GPS) in stored originals for everyone.
    pub keep_exif: bool,
}

impl Default for UploadSettings {
    fn default() -> Self {
        Self {
            max_bytes: 50 * 1024 * 1024,
            max_megapixels: 100,
            max_side: 20_000,
            max_frames: 500,
            thumb_size: 320,
            medium_size: 1280,
            keep_exif: false,
        }
    }
}

impl UploadSettings {
    /// Processing options for one upload; `keep_exif` is the uploader's own preference.
    pub fn options(&self, user_keeps_exif: bool) -> Options {
        Options {
            limits: Limits {
                max_pixels: self.max_megapixels.saturating_mul(1_000_000),
                max_side: self.max_side,
                max_frames: self.max_frames,
            },
            thumb_size: self.thumb_size,
            medium_size: self.medium_size,
            jpeg_quality: 85,
            metadata: if self.keep_exif || user_keeps_exif {
                MetadataPolicy::KeepExif
            } else {
                MetadataPolicy::Strip
            },
        }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        let bad = |f, m: &str| Err(ValidationError::new(f, m));
        // Processing reads the whole file into memory (one per core at a time).
        if !(1024..=512 * 1024 * 1024).contains(&self.max_bytes) {
            return bad("max_bytes", "must be between 1 KiB and 512 MiB");
        }
        if !(1..=1000).contains(&self.max_megapixels) {
            return bad("max_megapixels", "must be between 1 and 1000");
        }
        if !(16..=65_535).contains(&self.max_side) {
            return bad("max_side", "must be between 16 and 65535");
        }
        if !(1..=10_000).contains(&self.max_frames) {
            return bad("max_frames", "must be between 1 and 10000");
        }
        if !(32..=1024).contains(&self.thumb_size) {
            return bad("thumb_size", "must be between 32 and 1024");
        }
        if !(256..=4096).contains(&self.medium_size) || self.medium_size <= self.thumb_size {
            return bad(
                "medium_size",
                "must be between 256 and 4096 and larger than the thumbnail",
            );
        }
        Ok(())
    }
}

impl App {
    pub async fn upload_settings(&self) -> Result<UploadSettings, AppError> {
        match self.db.get_setting(KEY).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| AppError::Internal(format!("upload settings are unreadable: {e}"))),
            None => Ok(UploadSettings::default()),
        }
    }

    pub async fn update_upload_settings(
        &self,
        actor: &Actor,
        new: UploadSettings,
        meta: &RequestMeta,
    ) -> Result<UploadSettings, AppError> {
        actor.require_admin()?;
        new.validate()?;
        let json = serde_json::to_string(&new).map_err(|e| AppError::Internal(e.to_string()))?;
        self.db.put_setting(KEY, &json, self.clock.now()).await?;
        self.audit(
            actor.audit_id(),
            "settings_changed",
            Some(KEY),
            meta,
            serde_json::to_value(&new).ok(),
        )
        .await;
        Ok(new)
    }
}
