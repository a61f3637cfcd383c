//! Owns media after upload: who may see and change it (the authorization rules for media live
//! here and nowhere else), reading, editing, deleting (by the owner, staff, or the delete
//! token), listing, resolving file URLs (regenerating a lost derivative once, single-flight),
//! expiry and garbage collection of unused blobs.

use std::path::PathBuf;

use vitrine_db::{AlbumRecord, MediaFiles, MediaRecord, NewJob, PROFILE_KINDS, VariantRecord};
use vitrine_domain::{Privacy, Timestamp};
use vitrine_media::{Format, Variant};
use vitrine_storage::StorageError;

use crate::tokens::hash_token;
use crate::upload::{Source, check_texts, prepare_variant};
use crate::visibility::{Access, Facts, Viewer, allows};
use crate::{Actor, App, AppError, RequestMeta};

pub(crate) const GC_JOB: &str = "blob.gc";

#[derive(Debug, Clone, Default)]
pub struct MediaPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub nsfw: Option<bool>,
    /// Replaces all tags when given.
    pub tags: Option<Vec<String>>,
    /// The item's own level (`public`, `unlisted`, `private`).
    pub privacy: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariantWanted {
    Original,
    Medium,
    Small,
    Thumb,
}

/// A parsed file URL: `/i/{id}.{ext}`, `/i/{id}.md.{ext}`, `/i/{id}.sm.{ext}` (grid size) or
/// `/i/{id}.th.{ext}`.
#[derive(Debug, Clone)]
pub struct FileRequest {
    pub id: String,
    pub variant: VariantWanted,
    pub ext: String,
}

impl FileRequest {
    pub fn parse(name: &str) -> Option<FileRequest> {
        let mut parts = name.split('.');
        let id = parts.next()?.to_owned();
        let (variant, ext) = match (parts.next()?, parts.next(), parts.next()) {
            (ext, None, None) => (VariantWanted::Original, ext),
            ("md", Some(ext), None) => (VariantWanted::Medium, ext),
            ("sm", Some(ext), None) => (VariantWanted::Small, ext),
            ("th", Some(ext), None) => (VariantWanted::Thumb, ext),
            _ => return None,
        };
        Some(FileRequest {
            id,
            variant,
            ext: ext.to_ascii_lowercase(),
        })
    }
}

/// Everything needed to answer a file request.
#[derive(Debug, Clone)]
pub struct FileToServe {
    pub storage_key: String,
    pub local_path: Option<PathBuf>,
    pub mime: &'static str,
    pub size: u64,
    pub etag: String,
    pub last_modified: Timestamp,
    /// A safe name for `Content-Disposition`.
    pub filename: String,
    /// Anyone with the link may fetch it, so shared caches may keep it; password and private
    /// files (and files only staff may still see: expired, or of a banned owner) must only be
    /// cached by the browser that was allowed to fetch them.
    pub shareable: bool,
    /// When the media expires (it is hidden from then on).
    pub expires_at: Option<Timestamp>,
}

/// The ETag of one file of one media item: a digest of the media's id with the content's, so
/// two uploads of the same bytes never share a validator (which would tell one uploader that
/// the other holds the same file).
fn file_etag(media_id: &str, content_hash: &str, variant_tag: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(media_id.as_bytes())
        .chain_update(b"|")
        .chain_update(content_hash.as_bytes())
        .chain_update(b"|")
        .chain_update(variant_tag.as_bytes())
        .finalize();
    format!("\"{}\"", &hex::encode(digest)[..32])
}

fn mime_of(ext: &str) -> &'static str {
    Format::from_extension(ext).map_or("application/octet-stream", Format::mime)
}

impl App {
    /// The media (with blob and variants) if the viewer may see it. Hidden media are
    /// indistinguishable from missing ones (`NotFound`); media behind an album password the
    /// viewer has not entered answer `PasswordRequired` with that album.
    /// Its album is named only when the viewer may be told of it (`Access::Mention`).
    pub async fn get_media(&self, viewer: &Viewer, id: &str) -> Result<MediaFiles, AppError> {
        let (mut files, _, chain) = self.viewable_media_in_chain(viewer, id).await?;
        // The chain read for the media's own facts is its album's chain too.
        if !chain.is_empty() {
            let facts = self.album_facts(&chain).await?;
            if !self.permits(viewer, &facts, Access::Mention).await? {
                files.album = None;
            }
        }
        Ok(files)
    }

    async fn viewable_media(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<(MediaFiles, Facts), AppError> {
        let (files, facts, _) = self.viewable_media_in_chain(viewer, id).await?;
        Ok((files, facts))
    }

    /// [`Self::viewable_media`], with the album chain the facts were read from.
    async fn viewable_media_in_chain(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<(MediaFiles, Facts, Vec<AlbumRecord>), AppError> {
        let files = self
            .db
            .media_files(id)
            .await?
            .ok_or(AppError::NotFound("media"))?;
        let (chain, facts) = self.media_chain_and_facts(&files.media).await?;
        if !self.permits(viewer, &facts, Access::View).await? {
            return Err(self.refusal(viewer, &facts).await?);
        }
        Ok((files, facts, chain))
    }

    /// Why a view was refused: the password of the outermost album still locked (the one to
    /// open first; inner ones are named only once it is open), or nothing to see.
    pub(crate) async fn refusal(
        &self,
        viewer: &Viewer,
        facts: &Facts,
    ) -> Result<AppError, AppError> {
        if facts.level == Privacy::Password && !facts.owner_banned && !facts.expired {
            let unlocked = self.unlocked(viewer, &facts.password_albums).await?;
            // The chain is nearest first, so the outermost is the last.
            let outermost = facts
                .password_albums
                .iter()
                .rev()
                .find(|a| !unlocked.contains(a));
            if let Some(locked) = outermost {
                let album = self.db.albums_by_ids(&[*locked]).await?;
                if let Some(a) = album.first() {
                    return Ok(AppError::PasswordRequired {
                        album: a.public_id.to_string(),
                    });
                }
            }
        }
        Ok(AppError::NotFound("media"))
    }

    /// The media if `actor` may change it: `NotFound` when they may not even see it,
    /// `Forbidden` when they may see but not change it.
    /// Avatars, covers and the site logo are changed only through their own settings.
    async fn editable_media(&self, actor: &Actor, id: &str) -> Result<MediaFiles, AppError> {
        let (files, facts) = self.viewable_media(&Viewer::from(actor), id).await?;
        if PROFILE_KINDS.contains(&files.media.kind.as_str()) {
            return Err(AppError::NotFound("media"));
        }
        if !allows(actor, &[], &facts, Access::Edit) {
            return Err(AppError::Forbidden);
        }
        Ok(files)
    }

    /// Whether `actor` may change this media item (owner or staff): the viewer page shows its
    /// edit tools only then.
    pub async fn media_editable(&self, actor: &Actor, m: &MediaRecord) -> Result<bool, AppError> {
        let facts = self.media_facts(m).await?;
        Ok(allows(actor, &[], &facts, Access::Edit))
    }

    #[tracing::instrument(skip(self, actor, patch))]
    pub async fn update_media(
        &self,
        actor: &Actor,
        id: &str,
        patch: MediaPatch,
    ) -> Result<MediaFiles, AppError> {
        let files = self.editable_media(actor, id).await?;
        check_texts(patch.title.as_deref(), patch.description.as_deref())?;
        let tags = patch
            .tags
            .as_deref()
            .map(crate::upload::normalize_tags)
            .transpose()?;
        let privacy = patch
            .privacy
            .as_deref()
            .map(crate::upload::media_privacy)
            .transpose()?;
        let m = &files.media;
        let title = patch
            .title
            .map_or_else(|| m.title.clone(), |t| t.trim().to_owned());
        let description = patch
            .description
            .map_or_else(|| m.description.clone(), |d| d.trim().to_owned());
        let nsfw = patch.nsfw.unwrap_or(m.nsfw);
        self.db
            .update_media_texts(m.id, &title, &description, nsfw, self.clock.now())
            .await?;
        if let Some(tags) = tags {
            self.db.set_media_tags(m.id, &tags).await?;
        }
        if let Some(p) = privacy {
            self.db
                .set_media_privacy(&[m.id], p, self.clock.now())
                .await?;
        }
        self.get_media(&Viewer::from(actor), id).await
    }

    #[tracing::instrument(skip(self, actor, meta))]
    pub async fn delete_media(
        &self,
        actor: &Actor,
        id: &str,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let files = self.editable_media(actor, id).await?;
        self.remove_media(&files.media).await?;
        self.audit(actor.audit_id(), "media_deleted", Some(id), meta, None)
            .await;
        Ok(())
    }

    /// Deletes with the token handed out at upload (delete links). Wrong tokens look like
    /// missing media.
    pub async fn delete_media_with_token(
        &self,
        id: &str,
        token: &str,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let files = self
            .delete_token_valid(id, token)
            .await?
            .ok_or(AppError::NotFound("media"))?;
        self.remove_media(&files.media).await?;
        self.audit(None, "media_deleted_by_link", Some(id), meta, None)
            .await;
        Ok(())
    }

    /// The media `id` (with its files, for the confirmation page) if `token` is its delete
    /// token; `None` otherwise, so wrong tokens look like missing media.
    pub async fn delete_token_valid(
        &self,
        id: &str,
        token: &str,
    ) -> Result<Option<MediaFiles>, AppError> {
        let Some(files) = self.db.media_files(id).await? else {
            return Ok(None);
        };
        let ok: bool = subtle::ConstantTimeEq::ct_eq(
            hash_token(token).as_bytes(),
            files.media.delete_token_hash.as_bytes(),
        )
        .into();
        Ok(ok.then_some(files))
    }

    pub(crate) async fn remove_media(&self, m: &MediaRecord) -> Result<(), AppError> {
        let now = self.clock.now();
        self.db
            .delete_media(m.id, |blob_id| NewJob {
                kind: GC_JOB,
                payload: serde_json::json!({ "blob_id": blob_id }).to_string(),
                run_at: now,
                max_attempts: 10,
            })
            .await?;
        Ok(())
    }

    /// Resolves a file URL for the actor, regenerating a lost derivative when needed.
    /// `signed`: the request carries a valid signature for this file, which stands in for
    /// the viewer's own right to see it (not for an expired item or a banned owner's).
    pub async fn file(
        &self,
        viewer: &Viewer,
        req: &FileRequest,
        signed: bool,
    ) -> Result<FileToServe, AppError> {
        let (files, facts) = if signed {
            let files = self
                .db
                .media_files(&req.id)
                .await?
                .ok_or(AppError::NotFound("media"))?;
            let facts = self.media_facts(&files.media).await?;
            if facts.expired || facts.owner_banned {
                return Err(AppError::NotFound("media"));
            }
            (files, facts)
        } else {
            self.viewable_media(viewer, &req.id).await?
        };
        let b = &files.blob;
        let name = files
            .media
            .original_filename
            .rsplit_once('.')
            .map_or(files.media.original_filename.as_str(), |(s, _)| s)
            .to_owned();
        let (key, ext, size, tag) = match req.variant {
            VariantWanted::Original => {
                (b.storage_key.clone(), b.ext.clone(), b.size, String::new())
            }
            VariantWanted::Medium | VariantWanted::Small | VariantWanted::Thumb => {
                let kind = match req.variant {
                    VariantWanted::Thumb => "thumb",
                    VariantWanted::Small => "small",
                    _ => "medium",
                };
                let v = match files.variants.iter().find(|v| v.name == kind) {
                    Some(v) if self.storage.head(&v.storage_key).await?.is_some() => v.clone(),
                    Some(_) => self
                        .regenerate(&files, kind)
                        .await?
                        .ok_or(AppError::NotFound("file"))?,
                    // Only thumbs always exist; a missing medium or small means the image is
                    // already that small.
                    None if kind == "thumb" => self
                        .regenerate(&files, kind)
                        .await?
                        .ok_or(AppError::NotFound("file"))?,
                    None => return Err(AppError::NotFound("file")),
                };
                let tag = v
                    .storage_key
                    .rsplit('-')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                (v.storage_key, v.ext, v.size, format!("-{kind}-{tag}"))
            }
        };
        if ext != req.ext && !(ext == "jpg" && req.ext == "jpeg") {
            return Err(AppError::NotFound("file"));
        }
        let suffix = match req.variant {
            VariantWanted::Original => "",
            VariantWanted::Medium => ".md",
            VariantWanted::Small => ".sm",
            VariantWanted::Thumb => ".th",
        };
        Ok(FileToServe {
            local_path: self.storage.local_path(&key),
            storage_key: key,
            mime: mime_of(&ext),
            size,
            etag: file_etag(files.media.public_id.as_str(), &b.hash, &tag),
            // The media's own time: the shared blob's would tell when someone else first
            // uploaded the same bytes.
            last_modified: files.media.created_at,
            filename: format!("{name}{suffix}.{ext}"),
            shareable: facts.level <= Privacy::Unlisted
                && !signed
                && !facts.owner_banned
                && !facts.expired,
            expires_at: files.media.expires_at,
        })
    }

    /// Rebuilds the `kind` derivative from the original (one at a time per blob and kind).
    async fn regenerate(
        &self,
        files: &MediaFiles,
        kind: &str,
    ) -> Result<Option<VariantRecord>, AppError> {
        let lock = self
            .flights
            .lock_for(&format!("{}:{kind}", files.blob.hash));
        let _guard = lock.lock().await;
        // Someone may have finished it while we waited.
        if let Some(v) = self
            .db
            .variants_of(files.blob.id)
            .await?
            .into_iter()
            .find(|v| v.name == kind)
            && self.storage.head(&v.storage_key).await?.is_some()
        {
            return Ok(Some(v));
        }
        if kind == "medium" && files.blob.frames > 1 {
            return self.build_animated_medium(files).await;
        }
        let settings = self.upload_settings().await?;
        let original = self.storage.get(&files.blob.storage_key).await?;
        let (processed, _) = self
            .process(Source::Memory(original.to_vec()), settings.options(false))
            .await?;
        let (variant, size) = match kind {
            "thumb" => (Some(processed.thumb), settings.thumb_size),
            "small" => (processed.small, crate::upload_settings::SMALL_HEIGHT),
            _ => (processed.medium, settings.medium_size),
        };
        let Some(v) = variant else { return Ok(None) };
        let record = self.save_variant(files, v, size).await?;
        tracing::info!(blob = %files.blob.hash, kind, "regenerated a missing derivative");
        Ok(Some(record))
    }

    /// Makes the animated medium of media `id` (job handler; idempotent).
    pub(crate) async fn make_animated_medium(&self, id: &str) -> Result<(), AppError> {
        let Some(files) = self.db.media_files(id).await? else {
            return Ok(());
        };
        if files.variants.iter().any(|v| v.name == "medium") {
            return Ok(());
        }
        self.build_animated_medium(&files).await.map(|_| ())
    }

    async fn build_animated_medium(
        &self,
        files: &MediaFiles,
    ) -> Result<Option<VariantRecord>, AppError> {
        let settings = self.upload_settings().await?;
        let original = self.storage.get(&files.blob.storage_key).await?;
        let opts = settings.options(false);
        let made = self
            .run_cpu(move || vitrine_media::animated_medium(&original, &opts))
            .await??;
        let Some(v) = made else { return Ok(None) };
        Ok(Some(
            self.save_variant(files, v, settings.medium_size).await?,
        ))
    }

    /// Stores a derivative of `files`' blob and records it (replacing an older row).
    async fn save_variant(
        &self,
        files: &MediaFiles,
        v: Variant,
        size_setting: u32,
    ) -> Result<VariantRecord, AppError> {
        let (record, data) = prepare_variant(&files.blob.hash, v, size_setting)?;
        self.storage.put(&record.storage_key, data).await?;
        self.db.upsert_variant(files.blob.id, &record).await?;
        Ok(record)
    }

    /// Deletes media `id` if it has expired (job handler).
    pub(crate) async fn expire_media(&self, id: &str) -> Result<(), AppError> {
        if let Some(m) = self.db.find_media(id).await?
            && m.expires_at.is_some_and(|t| t <= self.clock.now())
        {
            self.remove_media(&m).await?;
            self.audit(
                None,
                "media_expired",
                Some(id),
                &RequestMeta::default(),
                None,
            )
            .await;
        }
        Ok(())
    }

    /// Removes an unused blob's files and rows (job handler); a no-op if it is used again.
    pub(crate) async fn collect_blob(&self, blob_id: i64) -> Result<bool, AppError> {
        let storage = self.storage.clone();
        let outcome = self
            .db
            .collect_blob(blob_id, |blob, variants| async move {
                for v in &variants {
                    storage.delete(&v.storage_key).await?;
                }
                storage.delete(&blob.storage_key).await?;
                Ok::<(), StorageError>(())
            })
            .await?;
        Ok(outcome?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_parse() {
        let r = FileRequest::parse("abc123XYZ.jpg").unwrap_or_else(|| FileRequest {
            id: String::new(),
            variant: VariantWanted::Thumb,
            ext: String::new(),
        });
        assert_eq!(
            (r.id.as_str(), r.variant, r.ext.as_str()),
            ("abc123XYZ", VariantWanted::Original, "jpg")
        );
        let r = FileRequest::parse("abc.md.PNG").map(|r| (r.variant, r.ext));
        assert_eq!(r, Some((VariantWanted::Medium, "png".to_owned())));
        let r = FileRequest::parse("abc.th.webp").map(|r| r.variant);
        assert_eq!(r, Some(VariantWanted::Thumb));
        assert!(FileRequest::parse("abc").is_none());
        assert!(FileRequest::parse("abc.xx.jpg").is_none());
        assert!(FileRequest::parse("a.b.c.d").is_none());
    }
}
