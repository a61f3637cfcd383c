//! Owns `blobs`, `variants` and `media`. An upload commits its blob, variants, media row and
//! follow-up jobs in one transaction, with its files confirmed present while the blob row is
//! held, and the garbage collector removes a blob (files, then rows) holding the same row: so a
//! file can never be deleted under a concurrent upload of the same content.

use std::future::Future;

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use vitrine_domain::{Privacy, PublicId, Timestamp};

use crate::entity::{blob, media, variant};
use crate::jobs::enqueue_on;
use crate::tags::insert_tags;
use crate::{Backend, Db, DbError, NewJob};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRecord {
    pub id: i64,
    /// SHA-256 (hex) of the stored bytes.
    pub hash: String,
    pub size: u64,
    pub ext: String,
    pub width: u32,
    pub height: u32,
    pub frames: u32,
    pub storage_key: String,
    pub created_at: Timestamp,
    /// MD5 (hex) of the stored bytes; empty for blobs stored before it was recorded.
    pub md5: String,
}

impl From<blob::Model> for BlobRecord {
    fn from(m: blob::Model) -> Self {
        Self {
            id: m.id,
            hash: m.hash,
            size: m.size.max(0) as u64,
            ext: m.ext,
            width: m.width.max(0) as u32,
            height: m.height.max(0) as u32,
            frames: m.frames.max(0) as u32,
            storage_key: m.storage_key,
            created_at: Timestamp(m.created_at),
            md5: m.md5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantRecord {
    pub name: String,
    pub ext: String,
    pub width: u32,
    pub height: u32,
    pub size: u64,
    pub storage_key: String,
}

impl From<variant::Model> for VariantRecord {
    fn from(m: variant::Model) -> Self {
        Self {
            name: m.name,
            ext: m.ext,
            width: m.width.max(0) as u32,
            height: m.height.max(0) as u32,
            size: m.size.max(0) as u64,
            storage_key: m.storage_key,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MediaRecord {
    pub id: i64,
    pub public_id: PublicId,
    pub owner_id: Option<i64>,
    pub blob_id: i64,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub original_filename: String,
    pub nsfw: bool,
    pub width: u32,
    pub height: u32,
    /// The EXIF summary as JSON.
    pub exif: Option<String>,
    pub thumbhash: String,
    pub phash: u64,
    pub views: u64,
    pub expires_at: Option<Timestamp>,
    pub delete_token_hash: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The media's own level (the album chain may restrict it further).
    pub privacy: Privacy,
    pub album_id: Option<i64>,
}

impl TryFrom<media::Model> for MediaRecord {
    type Error = DbError;
    fn try_from(m: media::Model) -> Result<Self, DbError> {
        Ok(Self {
            id: m.id,
            public_id: PublicId::parse(&m.public_id)?,
            owner_id: m.owner_id,
            blob_id: m.blob_id,
            kind: m.kind,
            title: m.title,
            description: m.description,
            original_filename: m.original_filename,
            nsfw: m.nsfw,
            width: m.width.max(0) as u32,
            height: m.height.max(0) as u32,
            exif: m.exif,
            thumbhash: m.thumbhash,
            phash: m.phash as u64,
            views: m.views.max(0) as u64,
            expires_at: m.expires_at.map(Timestamp),
            delete_token_hash: m.delete_token_hash,
            created_at: Timestamp(m.created_at),
            updated_at: Timestamp(m.updated_at),
            privacy: Privacy::from_stored(&m.privacy),
            album_id: m.album_id,
        })
    }
}

/// A media row with its blob and variants: everything needed to serve its files.
#[derive(Debug, Clone)]
pub struct MediaFiles {
    pub media: MediaRecord,
    pub blob: BlobRecord,
    pub variants: Vec<VariantRecord>,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Public id of the album it is in.
    pub album: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewBlob {
    pub hash: String,
    pub size: u64,
    pub ext: String,
    pub width: u32,
    pub height: u32,
    pub frames: u32,
    pub storage_key: String,
    pub md5: String,
}

#[derive(Debug, Clone)]
pub struct NewMedia {
    pub public_id: PublicId,
    pub owner_id: Option<i64>,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub original_filename: String,
    pub nsfw: bool,
    pub width: u32,
    pub height: u32,
    pub exif: Option<String>,
    pub thumbhash: String,
    pub phash: u64,
    pub expires_at: Option<Timestamp>,
    pub delete_token_hash: String,
    /// Already normalised (trimmed, unique).
    pub tags: Vec<String>,
    pub privacy: Privacy,
    pub album_id: Option<i64>,
    pub now: Timestamp,
}

/// Why an upload did not commit: the database, or the caller's file writing.
#[derive(Debug)]
pub enum UploadError<E> {
    Db(DbError),
    Files(E),
}

impl<E> From<sea_orm::DbErr> for UploadError<E> {
    fn from(e: sea_orm::DbErr) -> Self {
        UploadError::Db(e.into())
    }
}

fn variant_model(blob_id: i64, v: &VariantRecord) -> variant::ActiveModel {
    variant::ActiveModel {
        blob_id: Set(blob_id),
        name: Set(v.name.clone()),
        ext: Set(v.ext.clone()),
        width: Set(v.width as i32),
        height: Set(v.height as i32),
        size: Set(v.size as i64),
        storage_key: Set(v.storage_key.clone()),
        ..Default::default()
    }
}

impl Db {
    /// Commits an upload. Inside one transaction: upserts the blob row (holding it), runs
    /// `write_files` (which must leave the original and variants durably stored; while the row
    /// is held no collector can delete them), then adds the variants, the media row and `jobs`.
    /// Nothing is visible unless everything succeeded.
    pub async fn commit_upload<F, Fut, E>(
        &self,
        new_blob: NewBlob,
        variants: Vec<VariantRecord>,
        new_media: NewMedia,
        jobs: Vec<NewJob<'_>>,
        write_files: F,
    ) -> Result<MediaRecord, UploadError<E>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let txn = self.write.begin().await?;
        let hash = new_blob.hash.clone();
        let insert = blob::Entity::insert(blob::ActiveModel {
            hash: Set(new_blob.hash.clone()),
            size: Set(new_blob.size as i64),
            ext: Set(new_blob.ext),
            width: Set(new_blob.width as i32),
            height: Set(new_blob.height as i32),
            frames: Set(new_blob.frames as i32),
            storage_key: Set(new_blob.storage_key),
            created_at: Set(new_media.now.0),
            md5: Set(new_blob.md5),
            ..Default::default()
        })
        // A no-op update on conflict returns the existing row and, on PostgreSQL, locks it
        // (the MD5 of the same bytes is the same; rewriting it fills rows that predate it).
        .on_conflict(
            OnConflict::column(blob::Column::Hash)
                .update_columns([blob::Column::Hash, blob::Column::Md5])
                .to_owned(),
        );
        let b = if self.backend() == Backend::MySql {
            // No RETURNING, and LAST_INSERT_ID is not the existing row's id after a duplicate:
            // read the row back, locked like the no-op update locks it on PostgreSQL.
            insert.exec_without_returning(&txn).await?;
            blob::Entity::find()
                .filter(blob::Column::Hash.eq(hash.as_str()))
                .lock_exclusive()
                .one(&txn)
                .await?
                .ok_or_else(|| UploadError::Db(DbError::Corrupt(format!("blob {hash} vanished"))))?
        } else {
            insert.exec_with_returning(&txn).await?
        };
        write_files().await.map_err(UploadError::Files)?;
        for v in &variants {
            variant::Entity::insert(variant_model(b.id, v))
                .on_conflict_do_nothing_on([variant::Column::BlobId, variant::Column::Name])
                .exec_without_returning(&txn)
                .await?;
        }
        let m = media::ActiveModel {
            public_id: Set(new_media.public_id.to_string()),
            owner_id: Set(new_media.owner_id),
            blob_id: Set(b.id),
            kind: Set(new_media.kind),
            title: Set(new_media.title),
            description: Set(new_media.description),
            original_filename: Set(new_media.original_filename),
            nsfw: Set(new_media.nsfw),
            width: Set(new_media.width as i32),
            height: Set(new_media.height as i32),
            exif: Set(new_media.exif),
            thumbhash: Set(new_media.thumbhash),
            phash: Set(new_media.phash as i64),
            views: Set(0),
            expires_at: Set(new_media.expires_at.map(|t| t.0)),
            delete_token_hash: Set(new_media.delete_token_hash),
            created_at: Set(new_media.now.0),
            updated_at: Set(new_media.now.0),
            privacy: Set(new_media.privacy.as_str().to_owned()),
            album_id: Set(new_media.album_id),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        insert_tags(&txn, m.id, &new_media.tags)
            .await
            .map_err(UploadError::Db)?;
        for j in jobs {
            enqueue_on(&txn, j).await.map_err(UploadError::Db)?;
        }
        txn.commit().await?;
        m.try_into().map_err(UploadError::Db)
    }

    pub async fn find_media(&self, public_id: &str) -> Result<Option<MediaRecord>, DbError> {
        media::Entity::find()
            .filter(media::Column::PublicId.eq(public_id))
            .one(&self.read)
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    /// The media, its blob and its variants.
    pub async fn media_files(&self, public_id: &str) -> Result<Option<MediaFiles>, DbError> {
        let Some(media) = self.find_media(public_id).await? else {
            return Ok(None);
        };
        let Some(blob) = blob::Entity::find_by_id(media.blob_id)
            .one(&self.read)
            .await?
        else {
            return Err(DbError::Corrupt(format!("media {public_id} has no blob")));
        };
        let variants = self.variants_of(blob.id).await?;
        let tags = self.tags_of(&[media.id]).await?;
        let album = match media.album_id {
            Some(a) => self
                .albums_by_ids(&[a])
                .await?
                .first()
                .map(|a| a.public_id.to_string()),
            None => None,
        };
        Ok(Some(MediaFiles {
            album,
            tags: tags.into_iter().map(|(_, t)| t).collect(),
            media,
            blob: blob.into(),
            variants,
        }))
    }

    /// Blobs and variants for a page of media, in two queries (no query per item).
    pub async fn files_for(&self, items: Vec<MediaRecord>) -> Result<Vec<MediaFiles>, DbError> {
        let blob_ids: Vec<i64> = items.iter().map(|m| m.blob_id).collect();
        let blobs = blob::Entity::find()
            .filter(blob::Column::Id.is_in(blob_ids.clone()))
            .all(&self.read)
            .await?;
        let variants = variant::Entity::find()
            .filter(variant::Column::BlobId.is_in(blob_ids))
            .all(&self.read)
            .await?;
        let media_ids: Vec<i64> = items.iter().map(|m| m.id).collect();
        let tags = self.tags_of(&media_ids).await?;
        let mut album_ids: Vec<i64> = items.iter().filter_map(|m| m.album_id).collect();
        album_ids.sort_unstable();
        album_ids.dedup();
        let albums = self.albums_by_ids(&album_ids).await?;
        items
            .into_iter()
            .map(|media| {
                let blob = blobs
                    .iter()
                    .find(|b| b.id == media.blob_id)
                    .cloned()
                    .ok_or_else(|| {
                        DbError::Corrupt(format!("media {} has no blob", media.public_id))
                    })?;
                let vs = variants
                    .iter()
                    .filter(|v| v.blob_id == blob.id)
                    .cloned()
                    .map(Into::into)
                    .collect();
                let tags = tags
                    .iter()
                    .filter(|(id, _)| *id == media.id)
                    .map(|(_, t)| t.clone())
                    .collect();
                let album = media.album_id.and_then(|a| {
                    albums
                        .iter()
                        .find(|x| x.id == a)
                        .map(|x| x.public_id.to_string())
                });
                Ok(MediaFiles {
                    media,
                    blob: blob.into(),
                    variants: vs,
                    tags,
                    album,
                })
            })
            .collect()
    }

    pub async fn variants_of(&self, blob_id: i64) -> Result<Vec<VariantRecord>, DbError> {
        Ok(variant::Entity::find()
            .filter(variant::Column::BlobId.eq(blob_id))
            .order_by_asc(variant::Column::Name)
            .all(&self.read)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Records a regenerated variant (idempotent).
    pub async fn upsert_variant(&self, blob_id: i64, v: &VariantRecord) -> Result<(), DbError> {
        variant::Entity::insert(variant_model(blob_id, v))
            .on_conflict(
                OnConflict::columns([variant::Column::BlobId, variant::Column::Name])
                    .update_columns([
                        variant::Column::Ext,
                        variant::Column::Width,
                        variant::Column::Height,
                        variant::Column::Size,
                        variant::Column::StorageKey,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&self.write)
            .await?;
        Ok(())
    }

    /// The owner's media, newest first, with ids below `before` (keyset pagination).
    pub async fn update_media_texts(
        &self,
        id: i64,
        title: &str,
        description: &str,
        nsfw: bool,
        now: Timestamp,
    ) -> Result<(), DbError> {
        media::Entity::update_many()
            .col_expr(media::Column::Title, Expr::value(title))
            .col_expr(media::Column::Description, Expr::value(description))
            .col_expr(media::Column::Nsfw, Expr::value(nsfw))
            .col_expr(media::Column::UpdatedAt, Expr::value(now.0))
            .filter(media::Column::Id.eq(id))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// Deletes a media row; when its blob is no longer used, `gc_job` is enqueued in the same
    /// transaction. False when the media was already gone.
    pub async fn delete_media(
        &self,
        id: i64,
        gc_job: impl FnOnce(i64) -> NewJob<'static>,
    ) -> Result<bool, DbError> {
        let txn = self.write.begin().await?;
        let Some(m) = media::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(false);
        };
        media::Entity::delete_by_id(id).exec(&txn).await?;
        let users = media::Entity::find()
            .filter(media::Column::BlobId.eq(m.blob_id))
            .count(&txn)
            .await?;
        if users == 0 {
            enqueue_on(&txn, gc_job(m.blob_id)).await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    /// Removes a blob nobody uses: holds its row, checks again that no media uses it, runs
    /// `delete_files` with the blob and its variants, then deletes the rows. Returns false (and
    /// changes nothing) when the blob is gone or in use again.
    pub async fn collect_blob<F, Fut, E>(
        &self,
        blob_id: i64,
        delete_files: F,
    ) -> Result<Result<bool, E>, DbError>
    where
        F: FnOnce(BlobRecord, Vec<VariantRecord>) -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let txn = self.write.begin().await?;
        let Some(b) = blob::Entity::find_by_id(blob_id)
            .lock_exclusive()
            .one(&txn)
            .await?
        else {
            return Ok(Ok(false));
        };
        let users = media::Entity::find()
            .filter(media::Column::BlobId.eq(blob_id))
            .count(&txn)
            .await?;
        if users > 0 {
            return Ok(Ok(false));
        }
        let variants: Vec<VariantRecord> = variant::Entity::find()
            .filter(variant::Column::BlobId.eq(blob_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        if let Err(e) = delete_files(b.clone().into(), variants).await {
            return Ok(Err(e));
        }
        variant::Entity::delete_many()
            .filter(variant::Column::BlobId.eq(blob_id))
            .exec(&txn)
            .await?;
        blob::Entity::delete_by_id(blob_id).exec(&txn).await?;
        txn.commit().await?;
        Ok(Ok(true))
    }

    /// Media whose expiry has passed, oldest first.
    pub async fn expired_media(
        &self,
        now: Timestamp,
        limit: u64,
    ) -> Result<Vec<MediaRecord>, DbError> {
        media::Entity::find()
            .filter(media::Column::ExpiresAt.lte(now.0))
            .order_by_asc(media::Column::ExpiresAt)
            .limit(limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    /// Blobs by id after `after` (for `vitrine check`), with their variants.
    pub async fn blobs_after(
        &self,
        after: i64,
        limit: u64,
    ) -> Result<Vec<(BlobRecord, Vec<VariantRecord>)>, DbError> {
        let blobs = blob::Entity::find()
            .filter(blob::Column::Id.gt(after))
            .order_by_asc(blob::Column::Id)
            .limit(limit)
            .all(&self.read)
            .await?;
        let ids: Vec<i64> = blobs.iter().map(|b| b.id).collect();
        let mut variants = variant::Entity::find()
            .filter(variant::Column::BlobId.is_in(ids))
            .all(&self.read)
            .await?;
        Ok(blobs
            .into_iter()
            .map(|b| {
                let mine = variants
                    .extract_if(.., |v| v.blob_id == b.id)
                    .map(Into::into)
                    .collect();
                (b.into(), mine)
            })
            .collect())
    }

    /// Ids of blobs no media uses (left by a crash between a delete and its collection).
    pub async fn unreferenced_blobs(&self, limit: u64) -> Result<Vec<i64>, DbError> {
        Ok(unreferenced_blobs(limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|b| b.id)
            .collect())
    }

    /// Whether a blob with this storage key exists (for orphan detection).
    pub async fn storage_key_known(&self, key: &str) -> Result<bool, DbError> {
        let blobs = blob::Entity::find()
            .filter(blob::Column::StorageKey.eq(key))
            .count(&self.read)
            .await?;
        if blobs > 0 {
            return Ok(true);
        }
        Ok(variant::Entity::find()
            .filter(variant::Column::StorageKey.eq(key))
            .count(&self.read)
            .await?
            > 0)
    }
}

/// `Db::unreferenced_blobs`' statement. `NOT EXISTS`, not `id NOT IN (SELECT blob_id FROM
/// media)`: PostgreSQL cannot turn `NOT IN` into an anti join (NULL semantics) and runs it as a
/// subplan over all media, which once the media ids outgrow `work_mem` it re-reads for every
/// blob (issue 17: 2 s for 24 blobs at a million media; with a blob per media, `check`, `gc`
/// and the hourly cleanup would never end). `blob_id` is NOT NULL, so both forms return the
/// same blobs. `crate::plans` shows its plan to the test that checks media is never read once
/// per blob.
pub(crate) fn unreferenced_blobs(limit: u64) -> sea_orm::Select<blob::Entity> {
    // Imported here only: at the top it would shadow `Ord::max` on plain integers.
    use sea_orm::sea_query::{ExprTrait, Query};
    let media_of_blob = Query::select()
        .expr(Expr::val(1))
        .from(media::Entity)
        .and_where(
            Expr::col((media::Entity, media::Column::BlobId))
                .equals((blob::Entity, blob::Column::Id)),
        )
        .to_owned();
    blob::Entity::find()
        .filter(Expr::exists(media_of_blob).not())
        .limit(limit)
}
