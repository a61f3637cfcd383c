//! Owns the upload use case: from a streamed temp file to committed media. The bytes are
//! processed (sniff, limits, one decode, derivatives, metadata strip) inside a CPU-sized
//! semaphore on a blocking thread, the stored original is addressed by its SHA-256 (so the
//! same content shares one blob), and blob, variants, media row and follow-up jobs commit in
//! one transaction, with the files written durably before it commits.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use vitrine_db::{MediaFiles, NewBlob, NewJob, NewMedia, UploadError, VariantRecord};
use vitrine_domain::{Privacy, PublicId, ValidationError};
use vitrine_media::{Format, Processed, Variant};
use vitrine_storage::{StorageError, original_key, variant_key};

use crate::fetch::Fetched;
use crate::tokens::{hash_token, random_token};
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

/// A media item's own level: albums alone have passwords.
pub(crate) fn media_privacy(s: &str) -> Result<Privacy, ValidationError> {
    match Privacy::parse(s, "privacy")? {
        Privacy::Password => Err(ValidationError::new(
            "privacy",
            "password protection is set on albums; use public, unlisted or private",
        )),
        p => Ok(p),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(format!("processing task failed: {e}")))
}

/// Where the bytes to process are.
pub(crate) enum Source {
    Memory(Vec<u8>),
    File(PathBuf),
}

/// What the uploader gets back: the media and, once, its delete token.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub files: MediaFiles,
    pub delete_token: String,
}

const MAX_TAGS: usize = 30;
const MAX_TAG_CHARS: usize = 64;

/// Tags as people mean them: trimmed, inner whitespace collapsed, empty ones dropped, the
/// first spelling of a case-insensitive duplicate kept; at most 30 of at most 64 characters.
pub fn normalize_tags(raw: &[String]) -> Result<Vec<String>, ValidationError> {
    let too_many = || ValidationError::new("tags", format!("at most {MAX_TAGS} tags"));
    // Bounded work whatever the input: refuse absurd lists before looking at them.
    if raw.len() > MAX_TAGS * 4 || raw.iter().map(String::len).sum::<usize>() > 64 * 1024 {
        return Err(too_many());
    }
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in raw {
        let t = t
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>();
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > MAX_TAG_CHARS {
            return Err(ValidationError::new(
                "tags",
                format!("each tag must be at most {MAX_TAG_CHARS} characters"),
            ));
        }
        if seen.insert(t.to_lowercase()) {
            out.push(t);
            if out.len() > MAX_TAGS {
                return Err(too_many());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A filename fit for display and `Content-Disposition`: no path, no control characters, at
/// most 120 characters.
pub(crate) fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':' | '%'))
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_owned();
    if cleaned.is_empty() {
        "image".to_owned()
    } else {
        cleaned
    }
}

fn title_from(filename: &str) -> String {
    let stem = filename.rsplit_once('.').map_or(filename, |(s, _)| s);
    let t: String = stem.replace(['_', '-'], " ").chars().take(100).collect();
    t.trim().to_owned()
}

pub(crate) fn check_texts(
    title: Option<&str>,
    description: Option<&str>,
) -> Result<(), ValidationError> {
    if title.is_some_and(|t| t.chars().count() > 100) {
        return Err(ValidationError::new(
            "title",
            "must be at most 100 characters",
        ));
    }
    if description.is_some_and(|d| d.chars().count() > 5000) {
        return Err(ValidationError::new(
            "description",
            "must be at most 5000 characters",
        ));
    }
    Ok(())
}

/// Refuses an upload whose format (by its first bytes, as processing will decide it) the site
/// does not accept; checked before waiting for a processing slot or reading the whole file.
/// Bytes that are no known format pass here and get processing's own, more precise error.
async fn check_format_allowed(path: &Path, allowed: &[Format]) -> Result<(), AppError> {
    use tokio::io::AsyncReadExt;
    // `sniff` decides JPEG, PNG, GIF, WebP and BMP within the first 26 bytes; HEIC and AVIF
    // by the brands of the leading `ftyp` box, which a file may make long.
    let mut head = Vec::with_capacity(1024);
    tokio::fs::File::open(path)
        .await
        .map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?
        .take(1024)
        .read_to_end(&mut head)
        .await
        .map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?;
    match vitrine_media::sniff(&head) {
        Ok(format) if !allowed.contains(&format) => Err(AppError::FormatNotAllowed {
            format,
            allowed: allowed.to_vec(),
        }),
        _ => Ok(()),
    }
}

pub(crate) fn new_public_id() -> Result<PublicId, AppError> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(PublicId::from_random(u64::from_le_bytes(b)))
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The storage name of a derivative: kind and size, so a size change makes new files.
fn variant_name(v: &Variant, size_setting: u32) -> String {
    format!("{}-{size_setting}", v.kind.as_str())
}

/// The row and the bytes of a derivative of the blob `hash`, made with `size_setting`.
pub(crate) fn prepare_variant(
    hash: &str,
    v: Variant,
    size_setting: u32,
) -> Result<(VariantRecord, Bytes), AppError> {
    let key = variant_key(hash, &variant_name(&v, size_setting), v.format.extension())?;
    let record = VariantRecord {
        name: v.kind.as_str().to_owned(),
        ext: v.format.extension().to_owned(),
        width: v.width,
        height: v.height,
        size: v.bytes.len() as u64,
        storage_key: key,
    };
    Ok((record, Bytes::from(v.bytes)))
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

    /// Stores an upload: processes it, writes its files and commits its rows.
    pub async fn upload(
        &self,
        ticket: UploadTicket,
        input: UploadInput,
    ) -> Result<Uploaded, AppError> {
        let UploadTicket {
            owner,
            settings,
            meta,
            ..
        } = ticket;
        check_texts(input.title.as_deref(), input.description.as_deref())?;
        // Avatars, covers and the logo: stored like media, but never listed or filed.
        let profile_image = input.purpose != Purpose::Media;
        if profile_image && owner.is_none() {
            return Err(AppError::Unauthenticated);
        }
        let tags = match owner {
            Some(_) if !profile_image => normalize_tags(&input.tags)?,
            _ => Vec::new(),
        };
        let privacy = match (input.privacy.as_deref(), &owner) {
            _ if profile_image => Privacy::Unlisted,
            (Some(p), _) => media_privacy(p)?,
            (None, Some(_)) => Privacy::Public,
            (None, None) => Privacy::Unlisted,
        };
        let album = input
            .album
            .as_deref()
            .filter(|a| !a.is_empty() && !profile_image);
        let album_id = match (album, &owner) {
            (Some(a), Some(u)) => {
                let actor = crate::Actor::User(crate::AuthUser {
                    id: u.id,
                    username: u.username.clone(),
                    role: u.role,
                    via: crate::AuthVia::Session,
                    session_id: None,
                });
                match self.album_for_media(&actor, a).await {
                    Ok(album) if album.owner_id == u.id => Some(album.id),
                    Ok(_)
                    | Err(
                        AppError::NotFound(_)
                        | AppError::Forbidden
                        | AppError::PasswordRequired { .. },
                    ) if input.ignore_foreign_album => None,
                    Ok(_) => return Err(AppError::Forbidden),
                    Err(e) => return Err(e),
                }
            }
            _ => None,
        };
        if let Some(secs) = input.expires_in
            && !(MIN_EXPIRY_SECS..=MAX_EXPIRY_SECS).contains(&secs)
        {
            return Err(ValidationError::new(
                "expires_in",
                "must be between 300 seconds (5 minutes) and one year",
            )
            .into());
        }
        let max_bytes = match owner {
            Some(_) => settings.max_bytes,
            None => settings.guest_max_bytes,
        };
        if input.size > max_bytes {
            return Err(AppError::TooLarge { max_bytes });
        }
        check_format_allowed(&input.temp_path, &settings.allowed_formats).await?;
        let mut opts = settings.options(owner.as_ref().is_some_and(|u| u.keep_exif));
        let (thumb_size, medium_size) = match input.purpose {
            Purpose::Media => (settings.thumb_size, settings.medium_size),
            Purpose::Avatar => (256, 512),
            Purpose::Cover => (settings.thumb_size, 1600),
            Purpose::Logo => (128, 512),
        };
        opts.thumb_size = thumb_size;
        opts.medium_size = medium_size;
        let (processed, bytes) = self
            .process_resized(
                Source::File(input.temp_path.clone()),
                opts,
                input.resize_width,
                Some(self.process_timeout),
            )
            .await?;

        let animated = processed.animated();
        let Processed {
            format,
            width,
            height,
            frames,
            original,
            thumb,
            small,
            medium,
            exif,
            thumbhash,
            phash,
        } = processed;
        // Moved, not copied: originals can be tens of megabytes; hashed off the async threads.
        let (stored, hash, md5) = blocking(move || {
            let stored = Bytes::from(original.unwrap_or(bytes));
            let hash = sha256_hex(&stored);
            let md5 = hex::encode(<md5::Md5 as md5::Digest>::digest(&stored));
            (stored, hash, md5)
        })
        .await?;
        let ext = format.extension();
        let storage_key = original_key(&hash)?;
        let mut files: Vec<(String, Bytes)> = vec![(storage_key.clone(), stored.clone())];
        let mut variants = Vec::new();
        let small_height = crate::upload_settings::SMALL_HEIGHT;
        for (v, size) in [
            (Some(thumb), thumb_size),
            (small, small_height),
            (medium, medium_size),
        ] {
            let Some(v) = v else { continue };
            let (record, data) = prepare_variant(&hash, v, size)?;
            files.push((record.storage_key.clone(), data));
            variants.push(record);
        }

        let now = self.clock.now();
        let expires_at = input
            .expires_in
            .filter(|_| !profile_image)
            .map(|s| now.plus_seconds(s));
        let public_id = new_public_id()?;
        let delete_token = random_token()?;
        let filename = clean_filename(&input.filename);
        let title = input
            .title
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| title_from(&filename));
        let exif = exif.as_ref().and_then(|e| serde_json::to_string(e).ok());
        let mut jobs: Vec<NewJob> = expires_at
            .map(|at| NewJob {
                kind: EXPIRE_JOB,
                payload: serde_json::json!({ "id": public_id.as_str() }).to_string(),
                run_at: at,
                max_attempts: 5,
            })
            .into_iter()
            .collect();
        // Animated mediums are slow to make: they follow as a job.
        if animated && width.max(height) > medium_size {
            jobs.push(NewJob {
                kind: ANIMATED_MEDIUM_JOB,
                payload: serde_json::json!({ "id": public_id.as_str() }).to_string(),
                run_at: now,
                max_attempts: 3,
            });
        }
        let new_media = NewMedia {
            public_id,
            owner_id: owner.as_ref().map(|u| u.id),
            kind: input
                .purpose
                .kind()
                .unwrap_or(if animated { "animated" } else { "image" })
                .to_owned(),
            title,
            description: input.description.unwrap_or_default().trim().to_owned(),
            original_filename: filename,
            nsfw: input.nsfw,
            width,
            height,
            exif,
            thumbhash,
            phash,
            expires_at,
            delete_token_hash: hash_token(&delete_token),
            tags,
            privacy,
            album_id,
            now,
        };
        let new_blob = NewBlob {
            hash,
            size: stored.len() as u64,
            ext: ext.to_owned(),
            width,
            height,
            frames,
            storage_key,
            md5,
        };
        let storage = self.storage.clone();
        // Write (and fsync) outside the transaction so uploads do not queue behind each
        // other's disk flushes; then, holding the blob row, make sure the files are still there
        // (the collector deletes only while holding that row) and rewrite any that went.
        for (key, data) in &files {
            storage.put(key, data.clone()).await?;
        }
        let write = || async move {
            for (key, data) in files {
                if storage.head(&key).await?.is_none() {
                    storage.put(&key, data).await?;
                }
            }
            Ok::<(), StorageError>(())
        };
        let media = self
            .db
            .commit_upload(new_blob, variants, new_media, jobs, write)
            .await
            .map_err(|e| match e {
                UploadError::Db(e) => AppError::from(e),
                UploadError::Files(e) => AppError::from(e),
            })?;
        let details = serde_json::json!({ "id": media.public_id.as_str(), "size": stored.len() });
        // Also what flood limits count: keep it for guests too.
        self.audit(
            owner.as_ref().map(|u| u.id),
            MEDIA_UPLOADED,
            Some(media.public_id.as_str()),
            &meta,
            Some(details),
        )
        .await;
        let files = self
            .db
            .media_files(media.public_id.as_str())
            .await?
            .ok_or(AppError::NotFound("media"))?;
        Ok(Uploaded {
            files,
            delete_token,
        })
    }

    /// Runs the CPU work on a blocking thread, at most one per core at a time; returns the
    /// result and the input bytes (so they need not be copied).
    pub(crate) async fn process(
        &self,
        source: Source,
        opts: vitrine_media::Options,
    ) -> Result<(Processed, Vec<u8>), AppError> {
        self.process_resized(source, opts, None, None).await
    }

    /// [`Self::process`], first replacing the image by a copy `resize_width` wide when that
    /// is narrower (the upload clients' `width` request), and giving up after `budget` (an
    /// upload does; rebuilding a missing derivative must finish to be of any use).
    async fn process_resized(
        &self,
        source: Source,
        opts: vitrine_media::Options,
        resize_width: Option<u32>,
        budget: Option<std::time::Duration>,
    ) -> Result<(Processed, Vec<u8>), AppError> {
        let slot = self.cpu_slot().await?;
        // Read only once it is our turn, so waiting uploads hold no image in memory.
        let bytes = match source {
            Source::Memory(b) => b,
            Source::File(path) => tokio::fs::read(&path)
                .await
                .map_err(|e| AppError::Internal(format!("cannot read the upload: {e}")))?,
        };
        let mut tools = vitrine_media::Tools::clone(&self.tools);
        // A decoder child is killed when the upload stops waiting for it.
        tools.deadline = budget.map(|b| std::time::Instant::now() + b);
        let work = blocking(move || {
            // The slot is freed when the work ends, even when the upload gave up on it.
            let _slot = slot;
            let mut bytes = bytes;
            // HEIC and AVIF become the JPEG (or PNG) that is stored and processed from here on.
            match vitrine_media::convert_heif(&bytes, &opts.limits, &tools) {
                Ok(Some(converted)) => bytes = converted,
                Ok(None) => {}
                Err(e) => return (Err(e), bytes),
            }
            if let Some(w) = resize_width {
                match vitrine_media::shrink_to_width(&bytes, w, &opts.limits, 90) {
                    Ok(Some(smaller)) => bytes = smaller,
                    Ok(None) => {}
                    Err(e) => return (Err(e), bytes),
                }
            }
            let r = vitrine_media::process(&bytes, &opts);
            (r, bytes)
        });
        let (result, bytes) = match budget {
            Some(limit) => tokio::time::timeout(limit, work).await.map_err(|_| {
                AppError::ProcessingTimedOut {
                    secs: limit.as_secs().max(1),
                }
            })??,
            None => work.await?,
        };
        let processed = result.map_err(|e| match e {
            vitrine_media::MediaError::TimedOut { secs } => AppError::ProcessingTimedOut { secs },
            e => AppError::Media(e),
        })?;
        Ok((processed, bytes))
    }

    /// Runs CPU-heavy `f` on a blocking thread within the per-core limit.
    pub(crate) async fn run_cpu<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _slot = self.cpu_slot().await?;
        blocking(f).await
    }

    /// One of the per-core processing slots; waits for a free one.
    async fn cpu_slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.cpu
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::Internal("processing is shutting down".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_made_safe() {
        let cases = [
            ("../../etc/passwd", "passwd"),
            ("C:\\\\Users\\\\me\\\\photo.jpg", "photo.jpg"),
            ("a%2f..%2fb.png", "a2f..2fb.png"),
            ("\u{0}evil\r\n.jpg", "evil.jpg"),
            ("\"quoted\".png", "quoted.png"),
            ("/abs/path/x.gif", "x.gif"),
            ("...", "image"),
            ("", "image"),
        ];
        for (input, want) in cases {
            assert_eq!(clean_filename(input), want, "{input:?}");
        }
        assert_eq!(clean_filename(&"x".repeat(500)).len(), 120);
        assert_eq!(title_from("my_holiday-photo.jpg"), "my holiday photo");
    }
}
