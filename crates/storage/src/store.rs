//! Owns reading and writing blobs, and which store is in use. Local writes are durable before
//! `put` returns: object_store (with fsync on) writes a staging file, fsyncs it, renames it
//! into place and fsyncs the directory; it does not fsync directories it newly creates, so we
//! create and sync those ourselves first (otherwise a crash could lose a whole new `ab/cd/`
//! branch). S3 writes are visible only once complete (a single PUT, or a completed multipart
//! upload for large files).

use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMultipartOptions,
    PutOptions, PutPayload, WriteMultipart,
};

use crate::StorageError;
use crate::backing::{Backing, DirectUrl, S3Settings};

/// Payloads above this go to remote stores as a multipart upload, in parts of this size.
const MULTIPART_OVER: usize = 16 * 1024 * 1024;
const PART_SIZE: usize = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT: usize = 4;

/// Size and modification time of a stored blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobMeta {
    pub size: u64,
    /// Unix seconds.
    pub modified: i64,
}

/// The stores in use: writes go to `primary`; reads that miss there try `fallback` (the store
/// a migration is moving away from, so nothing goes missing while files move).
#[derive(Debug)]
struct Layers {
    primary: Arc<Backing>,
    fallback: Option<Arc<Backing>>,
}

/// A handle to the blob store. Clones share the layers, so `switch_to` takes effect for
/// every holder at once.
#[derive(Debug, Clone)]
pub struct BlobStore {
    layers: Arc<RwLock<Arc<Layers>>>,
}

fn missing(e: &StorageError) -> bool {
    matches!(e, StorageError::NotFound(_))
}

impl BlobStore {
    fn single(b: Backing) -> Self {
        Self {
            layers: Arc::new(RwLock::new(Arc::new(Layers {
                primary: Arc::new(b),
                fallback: None,
            }))),
        }
    }

    /// A store in a local directory (created when missing).
    pub fn local(root: impl AsRef<FsPath>) -> Result<Self, StorageError> {
        Ok(Self::single(Backing::local(root.as_ref())?))
    }

    /// A store in an S3-compatible bucket.
    pub fn s3(settings: &S3Settings) -> Result<Self, StorageError> {
        Ok(Self::single(Backing::s3(settings)?))
    }

    fn layers(&self) -> Arc<Layers> {
        // A poisoned lock still holds valid layers (they are swapped whole).
        match self.layers.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    fn primary(&self) -> Arc<Backing> {
        self.layers().primary.clone()
    }

    /// `local` or `s3`: the store writes go to.
    pub fn kind(&self) -> &'static str {
        self.primary().name
    }

    /// This store, reading from `older` whatever it does not have yet.
    pub fn with_fallback(&self, older: &BlobStore) -> BlobStore {
        Self {
            layers: Arc::new(RwLock::new(Arc::new(Layers {
                primary: self.primary(),
                fallback: Some(older.primary()),
            }))),
        }
    }

    /// Makes every clone of this handle use `to`'s layers from now on.
    pub fn switch_to(&self, to: &BlobStore) {
        let next = to.layers();
        match self.layers.write() {
            Ok(mut g) => *g = next,
            Err(p) => *p.into_inner() = next,
        }
    }

    fn path(key: &str) -> Result<Path, StorageError> {
        if key.is_empty() || key.contains("..") || key.starts_with('/') {
            return Err(StorageError::InvalidKey(key.to_owned()));
        }
        Path::parse(key).map_err(|_| StorageError::InvalidKey(key.to_owned()))
    }

    /// The file behind `key` on the local filesystem (for zero-copy serving), when the store
    /// writes go to is local. The file may still be missing there during a migration.
    pub fn local_path(&self, key: &str) -> Option<PathBuf> {
        Some(self.primary().root.as_ref()?.join(key))
    }

    /// Stores `bytes` under `key`, durably. Writing the same key again replaces it atomically.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        put_into(&self.primary(), key, bytes).await
    }

    /// Runs `op` on the primary store, then on the fallback when the primary has no such blob.
    async fn read<T, F, Fut>(&self, op: F) -> Result<T, StorageError>
    where
        F: Fn(Arc<dyn ObjectStore>) -> Fut,
        Fut: Future<Output = Result<T, StorageError>>,
    {
        let layers = self.layers();
        match op(layers.primary.store.clone()).await {
            Err(e) if missing(&e) => match &layers.fallback {
                Some(older) => op(older.store.clone()).await,
                None => Err(e),
            },
            other => other,
        }
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        let path = Self::path(key)?;
        self.read(|s| {
            let path = path.clone();
            async move { Ok(s.get(&path).await?.bytes().await?) }
        })
        .await
    }

    /// Bytes `range` of the blob (end exclusive).
    pub async fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes, StorageError> {
        let path = Self::path(key)?;
        self.read(|s| {
            let (path, range) = (path.clone(), range.clone());
            async move { Ok(s.get_range(&path, range).await?) }
        })
        .await
    }

    /// Bytes `range` of the blob as a stream, without holding it all in memory.
    pub async fn stream_range(
        &self,
        key: &str,
        range: Range<u64>,
    ) -> Result<BoxStream<'static, Result<Bytes, StorageError>>, StorageError> {
        let path = Self::path(key)?;
        self.read(|s| {
            let (path, range) = (path.clone(), range.clone());
            async move {
                let opts = GetOptions {
                    range: Some(GetRange::Bounded(range)),
                    ..GetOptions::default()
                };
                let got = s.get_opts(&path, opts).await?;
                Ok(got.into_stream().map_err(StorageError::from).boxed())
            }
        })
        .await
    }

    /// Size and time of the blob, or `None` when it does not exist.
    pub async fn head(&self, key: &str) -> Result<Option<BlobMeta>, StorageError> {
        let path = Self::path(key)?;
        let found = self
            .read(|s| {
                let path = path.clone();
                async move {
                    let m = s.head(&path).await?;
                    Ok(BlobMeta {
                        size: m.size,
                        modified: m.last_modified.timestamp(),
                    })
                }
            })
            .await;
        match found {
            Ok(m) => Ok(Some(m)),
            Err(e) if missing(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether the store writes go to holds `key` itself (not only its fallback): what
    /// `vitrine check` looks at before an old store may be retired.
    pub async fn in_primary(&self, key: &str) -> Result<bool, StorageError> {
        match self.primary().store.head(&Self::path(key)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether reads that miss fall back to an older store (after a migration).
    pub fn has_fallback(&self) -> bool {
        self.layers().fallback.is_some()
    }

    /// Removes the blob (from the fallback too); removing a missing blob is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = Self::path(key)?;
        let layers = self.layers();
        for b in std::iter::once(&layers.primary).chain(layers.fallback.as_ref()) {
            match b.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Every key under `prefix` in the store writes go to, with its metadata.
    pub async fn list(&self, prefix: &str) -> Result<Vec<(String, BlobMeta)>, StorageError> {
        let prefix = Self::path(prefix)?;
        let items: Vec<_> = self
            .primary()
            .store
            .list(Some(&prefix))
            .try_collect()
            .await?;
        Ok(items
            .into_iter()
            .map(|m| {
                (
                    m.location.to_string(),
                    BlobMeta {
                        size: m.size,
                        modified: m.last_modified.timestamp(),
                    },
                )
            })
            .collect())
    }

    /// The origin this store sends browsers to (presigned or public S3 delivery), if any.
    pub async fn browser_origin(&self) -> Option<String> {
        self.primary().browser_origin().await
    }

    /// Where to redirect a browser for `key` instead of streaming it (S3 with presigned or
    /// public delivery), or `None` to stream. Call only after the request was authorised.
    pub async fn direct_url(
        &self,
        key: &str,
        shareable: bool,
    ) -> Result<Option<DirectUrl>, StorageError> {
        let layers = self.layers();
        let path = Self::path(key)?;
        if layers.fallback.is_some() && layers.primary.s3.is_some() {
            // After a migration a blob may still be only in the old store: send browsers to
            // the bucket only for what it holds (one HEAD), stream the rest.
            match layers.primary.store.head(&path).await {
                Ok(_) => {}
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
        layers.primary.direct_url(&path, shareable).await
    }
}

async fn put_into(b: &Backing, key: &str, bytes: Bytes) -> Result<(), StorageError> {
    let path = BlobStore::path(key)?;
    if let Some(root) = &b.root {
        let dir = root.join(key);
        let dir = dir
            .parent()
            .map(FsPath::to_path_buf)
            .unwrap_or_else(|| root.clone());
        let root = root.clone();
        tokio::task::spawn_blocking(move || create_dirs_durably(&root, &dir))
            .await
            .map_err(|e| StorageError::Backend(e.to_string()))??;
        b.store.put(&path, PutPayload::from_bytes(bytes)).await?;
        return Ok(());
    }
    // Objects a browser may fetch from the bucket itself (presigned or public URLs) must say
    // what they are: S3 would answer `binary/octet-stream`, which browsers download.
    let attributes = object_attributes(key, &bytes);
    if bytes.len() > MULTIPART_OVER {
        // Large originals go up in parts, several at once; nothing is visible until `finish`.
        let upload = b
            .store
            .put_multipart_opts(
                &path,
                PutMultipartOptions {
                    attributes,
                    ..PutMultipartOptions::default()
                },
            )
            .await?;
        let mut w = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut at = 0;
        while at < bytes.len() {
            if let Err(e) = w.wait_for_capacity(PARTS_IN_FLIGHT).await {
                // Best effort: a bucket lifecycle rule cleans up what an abort cannot.
                let _ = w.abort().await;
                return Err(e.into());
            }
            let end = (at + PART_SIZE).min(bytes.len());
            w.put(bytes.slice(at..end));
            at = end;
        }
        w.finish().await?;
        return Ok(());
    }
    let opts = PutOptions {
        attributes,
        ..PutOptions::default()
    };
    b.store
        .put_opts(&path, PutPayload::from_bytes(bytes), opts)
        .await?;
    Ok(())
}

/// The type of a stored file, from its key's extension (derivatives) or its first bytes
/// (originals, whose keys are bare hashes; only accepted formats are ever stored).
fn content_type(key: &str, bytes: &[u8]) -> &'static str {
    let by_ext = match key.rsplit_once('.').map(|(_, e)| e) {
        Some("jpg" | "jpeg") => Some("image/jpeg"),
        Some("png") => Some("image/png"),
        Some("gif") => Some("image/gif"),
        Some("webp") => Some("image/webp"),
        _ => None,
    };
    by_ext.unwrap_or(match bytes {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => "image/webp",
        _ => "application/octet-stream",
    })
}

fn object_attributes(key: &str, bytes: &[u8]) -> Attributes {
    let mut a = Attributes::new();
    a.insert(Attribute::ContentType, content_type(key, bytes).into());
    // Content-addressed: a key's bytes never change.
    a.insert(
        Attribute::CacheControl,
        "public, max-age=31536000, immutable".into(),
    );
    a
}

impl BlobStore {
    /// Removes half-written staging files (`name#n`) older than `min_age` that a crash left in a
    /// local store; returns how many went. Remote stores have none.
    pub fn sweep_staging(&self, min_age: std::time::Duration) -> Result<usize, StorageError> {
        let primary = self.primary();
        let Some(root) = &primary.root else {
            return Ok(0);
        };
        let mut removed = 0;
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir)?.flatten() {
                let path = entry.path();
                let meta = entry.metadata()?;
                if meta.is_dir() {
                    dirs.push(path);
                } else if entry.file_name().to_string_lossy().contains('#')
                    && meta
                        .modified()
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|age| age >= min_age)
                {
                    std::fs::remove_file(&path)?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// Creates `dir` (under `root`) one level at a time, fsyncing each parent whose entries changed.
fn create_dirs_durably(root: &FsPath, dir: &FsPath) -> Result<(), StorageError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut cur = dir;
    while !cur.is_dir() && cur.starts_with(root) && cur != root {
        missing.push(cur.to_path_buf());
        match cur.parent() {
            Some(p) => cur = p,
            None => break,
        }
    }
    for d in missing.iter().rev() {
        match std::fs::create_dir(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
        if let Some(parent) = d.parent() {
            std::fs::File::open(parent)?.sync_all()?;
        }
    }
    Ok(())
}
