//! Owns turning what an upload request carried (a file part, base64 text or a fetched URL)
//! into the upload use case's input. Both upload APIs go through here.

use vitrine_app::{Fetched, TempFile, UploadInput};

use crate::upload_body::ReceivedFile;

/// The upload's bytes, on disk until the upload is done.
#[derive(Debug)]
pub struct Incoming {
    pub file: TempFile,
    pub size: u64,
    pub sha256: String,
    pub filename: String,
}

impl From<ReceivedFile> for Incoming {
    fn from(r: ReceivedFile) -> Self {
        Self {
            file: r.file,
            size: r.size,
            sha256: r.sha256,
            filename: r.filename,
        }
    }
}

impl From<Fetched> for Incoming {
    fn from(f: Fetched) -> Self {
        Self {
            file: f.file,
            size: f.size,
            sha256: f.sha256,
            filename: f.filename,
        }
    }
}

/// The descriptive fields, already parsed.
#[derive(Debug, Default)]
pub struct Details {
    pub title: Option<String>,
    pub description: Option<String>,
    pub nsfw: bool,
    pub expires_in: Option<i64>,
    pub tags: Vec<String>,
    pub resize_width: Option<u32>,
    pub album: Option<String>,
    pub ignore_foreign_album: bool,
    pub privacy: Option<String>,
}

pub fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "on" | "yes"
        )
    })
}

/// Splits a comma-separated tag list.
pub fn split_tags(v: Option<&str>) -> Vec<String> {
    v.map(|v| v.split(',').map(str::to_owned).collect())
        .unwrap_or_default()
}

impl Incoming {
    /// The use case's input; `self` must outlive the upload (it owns the temp file).
    pub fn input(&self, d: Details) -> UploadInput {
        UploadInput {
            temp_path: self.file.path().to_path_buf(),
            size: self.size,
            filename: self.filename.clone(),
            title: d.title,
            description: d.description,
            nsfw: d.nsfw,
            expires_in: d.expires_in,
            tags: d.tags,
            resize_width: d.resize_width,
            album: d.album,
            ignore_foreign_album: d.ignore_foreign_album,
            privacy: d.privacy,
            purpose: vitrine_app::Purpose::Media,
        }
    }
}
