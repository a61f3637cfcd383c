//! Owns the upload use case: from a streamed temp file to committed media, in named steps:
//! check the request ([`intake`]), process the image inside a per-core slot with a time budget
//! ([`processing`]), address the original by its SHA-256 so the same content shares one blob
//! and prepare the derivatives ([`content`]), make the rows ([`rows`]), then write the files
//! durably and commit blob, variants, media row and follow-up jobs in one transaction
//! ([`commit`]).

mod commit;
mod content;
mod fields;
mod intake;
mod processing;
mod rows;

use std::path::{Path, PathBuf};

use vitrine_db::MediaFiles;

pub(crate) use self::content::prepare_variant;
pub use self::fields::normalize_tags;
pub(crate) use self::fields::{check_texts, media_privacy, new_public_id, sha256_hex};
pub(crate) use self::processing::Source;
use crate::fetch::Fetched;
use crate::tokens::random_token;
use crate::upload_gate::{MEDIA_UPLOADED, UploadTicket};
use crate::{App, AppError};

pub(crate) const EXPIRE_JOB: &str = "media.expire";
pub(crate) const ANIMATED_MEDIUM_JOB: &str = "variant.animated_medium";
pub(crate) const MIN_EXPIRY_SECS: i64 = 300;
pub(crate) const MAX_EXPIRY_SECS: i64 = 366 * 24 * 3600;

/// A received file: already on disk (never held whole in memory while receiving).
#[derive(Debug, Clone)]
pub struct UploadInput {
    pub temp_path: PathBuf,
    pub size: u64,
    /// The name the client gave it (metadata only; never used as a path).
    pub filename: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub nsfw: bool,
    /// Delete automatically after this many seconds.
    pub expires_in: Option<i64>,
    /// Tags as given (normalised here; ignored for guests).
    pub tags: Vec<String>,
    /// Store the image resized to this width (never enlarged).
    pub resize_width: Option<u32>,
    /// Public id of an album of the uploader's to put it in.
    pub album: Option<String>,
    /// Leave it out of the album (instead of failing) when `album` is not the uploader's
    /// (the Chevereto contract ignores such albums).
    pub ignore_foreign_album: bool,
    /// The media's own level: `public`, `unlisted` or `private` (default public; unlisted
    /// for guests).
    pub privacy: Option<String>,
    /// What the image is for.
    pub purpose: Purpose,
}

/// What an uploaded image is for: media of its own, or a profile image or the site logo (own
/// sizes, never listed, no album, tags or expiry).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Purpose {
    #[default]
    Media,
    /// Square 256 px thumbnail, 512 px medium.
    Avatar,
    /// 1600 px medium.
    Cover,
    /// The site logo: 512 px medium (shown in the header at a fraction of that, sharp on
    /// high-density screens); wide wordmarks keep their shape there.
    Logo,
}

impl Purpose {
    /// The media kind it is stored as (the kinds listings leave out, in `vitrine-db`).
    fn kind(self) -> Option<&'static str> {
        match self {
            Purpose::Media => None,
            Purpose::Avatar => Some("avatar"),
            Purpose::Cover => Some("cover"),
            Purpose::Logo => Some("logo"),
        }
    }
}

/// What the uploader gets back: the media and, once, its delete token.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub files: MediaFiles,
    pub delete_token: String,
}

impl App {
    /// Downloads a URL source for an upload that was granted for URLs.
    pub async fn fetch_source(
        &self,
        ticket: &UploadTicket,
        url: &str,
        dir: &Path,
    ) -> Result<Fetched, AppError> {
        if !ticket.may_fetch_urls() {
            return Err(AppError::UrlUploadsDisabled);
        }
        self.fetcher.fetch(url, dir, ticket.max_bytes()).await
    }

    /// Stores an upload: checks it, processes it, writes its files and commits its rows. The
    /// answer comes only once everything is durable.
    #[tracing::instrument(skip_all, fields(purpose = ?input.purpose, size = input.size))]
    pub async fn upload(
        &self,
        ticket: UploadTicket,
        input: UploadInput,
    ) -> Result<Uploaded, AppError> {
        let intake = self.check_upload(&ticket, &input).await?;
        let keep_exif = ticket.owner.as_ref().is_some_and(|u| u.keep_exif);
        let mut opts = ticket.settings.options(keep_exif);
        opts.thumb_size = intake.sizes.thumb;
        opts.medium_size = intake.sizes.medium;
        let source = Source::File(input.temp_path.clone());
        let budget = Some(self.process_timeout);
        let (processed, bytes) = self
            .process_resized(source, opts, input.resize_width, budget)
            .await?;
        let content = content::content_of(processed, bytes, intake.sizes).await?;
        let delete_token = random_token()?;
        let owner_id = ticket.owner.as_ref().map(|u| u.id);
        let picture = content.picture.clone();
        let (media, jobs) = rows::media_rows(
            owner_id,
            input,
            intake,
            picture,
            &delete_token,
            self.clock.now(),
        )?;
        let size = content.blob.size;
        let media = self.store_upload(content, media, jobs).await?;
        let id = media.public_id.as_str();
        // Also what flood limits count: kept for guests too.
        let details = serde_json::json!({ "id": id, "size": size });
        self.audit(
            owner_id,
            MEDIA_UPLOADED,
            Some(id),
            &ticket.meta,
            Some(details),
        )
        .await;
        let files = self
            .db
            .media_files(id)
            .await?
            .ok_or(AppError::NotFound("media"))?;
        Ok(Uploaded {
            files,
            delete_token,
        })
    }
}
