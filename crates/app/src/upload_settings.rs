//! Owns the upload settings admins can change: size and pixel limits, derivative sizes, the
//! site's EXIF policy, guest uploads (and the guest API key), who may upload from URLs, flood
//! limits and the accepted formats. Stored as one JSON document in the shared settings table.

use serde::{Deserialize, Serialize};
use vitrine_domain::ValidationError;
use vitrine_media::{Format, Limits, MetadataPolicy, Options};

use crate::{Actor, App, AppError, RequestMeta};

const KEY: &str = "uploads";

/// Height of the grid size listings show (width up to twice that).
pub(crate) const SMALL_HEIGHT: u32 = 480;

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
    /// Let people upload without an account (web and API).
    pub guest_uploads: bool,
    /// Largest guest upload in bytes.
    pub guest_max_bytes: u64,
    /// A site-wide key for anonymous uploads through `/api/1/upload` (when guest uploads are
    /// on); empty means none. Meant to be embedded in forum upload buttons, so not a secret.
    pub guest_api_key: String,
    /// Let ordinary users (not only admins) upload from a URL.
    pub url_uploads_for_users: bool,
    /// Upload limits per client IP address and per account; admins are exempt.
    pub flood: FloodLimits,
    /// The formats uploads may be in (decided by their first bytes); every supported format
    /// by default, and for documents stored before this setting existed.
    pub allowed_formats: Vec<Format>,
}

/// Uploads allowed per window; 0 means no limit.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Windows {
    pub per_minute: u64,
    pub per_hour: u64,
    pub per_day: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(default)]
pub struct FloodLimits {
    pub per_ip: Windows,
    pub per_account: Windows,
}

impl Default for Windows {
    fn default() -> Self {
        Self {
            per_minute: 60,
            per_hour: 600,
            per_day: 3000,
        }
    }
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
            guest_uploads: false,
            guest_max_bytes: 10 * 1024 * 1024,
            guest_api_key: String::new(),
            url_uploads_for_users: false,
            flood: FloodLimits::default(),
            allowed_formats: Format::ALL.to_vec(),
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
            small_height: SMALL_HEIGHT,
            jpeg_quality: 85,
            metadata: if self.keep_exif || user_keeps_exif {
                MetadataPolicy::KeepExif
            } else {
                MetadataPolicy::Strip
            },
        }
    }

    /// Checks the values and puts the format list in its canonical order, without repeats.
    fn validate(&mut self) -> Result<(), ValidationError> {
        let bad = |f, m: &str| Err(ValidationError::new(f, m));
        self.allowed_formats = Format::ALL
            .into_iter()
            .filter(|f| self.allowed_formats.contains(f))
            .collect();
        if self.allowed_formats.is_empty() {
            return bad("allowed_formats", "allow at least one format");
        }
        // Processing reads the whole file into memory (one per core at a time).
        if !(1024..=512 * 1024 * 1024).contains(&self.max_bytes) {
            return bad("max_bytes", "must be between 1 KiB and 512 MiB");
        }
        if !(1024..=self.max_bytes).contains(&self.guest_max_bytes) {
            return bad(
                "guest_max_bytes",
                "must be between 1 KiB and the largest upload (max_bytes)",
            );
        }
        let key = &self.guest_api_key;
        if !key.is_empty()
            && (!(16..=128).contains(&key.len())
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return bad(
                "guest_api_key",
                "must be empty or 16-128 letters, digits, '-' or '_'",
            );
        }
        if key.starts_with(crate::api_keys::KEY_PREFIX) {
            return bad(
                "guest_api_key",
                "must not look like a personal API key (vt_...)",
            );
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
        match self.cached_setting(KEY).await? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| AppError::Internal(format!("upload settings are unreadable: {e}"))),
            None => Ok(UploadSettings::default()),
        }
    }

    pub async fn update_upload_settings(
        &self,
        actor: &Actor,
        mut new: UploadSettings,
        meta: &RequestMeta,
    ) -> Result<UploadSettings, AppError> {
        actor.require_admin()?;
        new.validate()?;
        let json = serde_json::to_string(&new).map_err(|e| AppError::Internal(e.to_string()))?;
        self.db.put_setting(KEY, &json, self.clock.now()).await?;
        self.setting_changed(KEY, &json).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_formats_are_canonical_and_never_empty() {
        let mut s = UploadSettings {
            allowed_formats: vec![Format::Png, Format::Jpeg, Format::Png],
            ..UploadSettings::default()
        };
        assert_eq!(s.validate(), Ok(()));
        assert_eq!(s.allowed_formats, vec![Format::Jpeg, Format::Png]);
        s.allowed_formats.clear();
        assert_eq!(
            s.validate().map_err(|e| e.field),
            Err("allowed_formats"),
            "nothing allowed would close uploads by accident"
        );
    }

    #[test]
    fn older_documents_allow_every_format() {
        let old = r#"{"max_bytes": 2048, "guest_max_bytes": 1024}"#;
        let s: UploadSettings = serde_json::from_str(old).unwrap();
        assert_eq!(s.allowed_formats, Format::ALL.to_vec());
    }
}
