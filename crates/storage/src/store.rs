//! Owns reading and writing blobs. Local writes are durable before `put` returns: object_store
//! (with fsync on) writes a staging file, fsyncs it, renames it into place and fsyncs the
//! directory; it does not fsync directories it newly creates, so we create and sync those
//! ourselves first (otherwise a crash could lose a whole new `ab/cd/` branch).

use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::StorageError;

/// Size and modification time of a stored blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobMeta {
    pub size: u64,
    /// Unix seconds.
    pub modified: i64,
}

#[derive(Debug, Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// Set for the local filesystem, where directories need our help to be durable.
    root: Option<PathBuf>,
}

impl BlobStore {
    /// A store in a local directory (created when missing).
    pub fn local(root: impl AsRef<FsPath>) -> Result<Self, StorageError> {
        let root = root.as_ref();
        std::fs::create_dir_all(root)?;
        let root = root.canonicalize()?;
        let fs = LocalFileSystem::new_with_prefix(&root)?
            .with_fsync(true)
            .with_automatic_cleanup(false);
        Ok(Self {
            store: Arc::new(fs),
            root: Some(root),
        })
    }

    fn path(key: &str) -> Result<Path, StorageError> {
        if key.is_empty() || key.contains("..") || key.starts_with('/') {
            return Err(StorageError::InvalidKey(key.to_owned()));
        }
        Path::parse(key).map_err(|_| StorageError::InvalidKey(key.to_owned()))
    }

    /// The file behind `key` on the local filesystem (for zero-copy serving).
    pub fn local_path(&self, key: &str) -> Option<PathBuf> {
        Some(self.root.as_ref()?.join(key))
    }

    /// Stores `bytes` under `key`, durably. Writing the same key again replaces it atomically.
    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StorageError> {
        let path = Self::path(key)?;
        if let Some(root) = &self.root {
            let dir = root.join(key);
            let dir = dir
                .parent()
                .map(FsPath::to_path_buf)
                .unwrap_or_else(|| root.clone());
            let root = root.clone();
            tokio::task::spawn_blocking(move || create_dirs_durably(&root, &dir))
                .await
                .map_err(|e| StorageError::Backend(e.to_string()))??;
        }
        self.store.put(&path, PutPayload::from_bytes(bytes)).await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StorageError> {
        Ok(self.store.get(&Self::path(key)?).await?.bytes().await?)
    }

    /// Bytes `range` of the blob (end exclusive).
    pub async fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes, StorageError> {
        Ok(self.store.get_range(&Self::path(key)?, range).await?)
    }

    /// Size and time of the blob, or `None` when it does not exist.
    pub async fn head(&self, key: &str) -> Result<Option<BlobMeta>, StorageError> {
        match self.store.head(&Self::path(key)?).await {
            Ok(m) => Ok(Some(BlobMeta {
                size: m.size,
                modified: m.last_modified.timestamp(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the blob; removing a missing blob is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match self.store.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every key under `prefix` with its metadata.
    pub async fn list(&self, prefix: &str) -> Result<Vec<(String, BlobMeta)>, StorageError> {
        let prefix = Self::path(prefix)?;
        let items: Vec<_> = self.store.list(Some(&prefix)).try_collect().await?;
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
}

impl BlobStore {
    /// Removes half-written staging files (`name#n`) older than `min_age` that a crash left in a
    /// local store; returns how many went. Remote stores have none.
    pub fn sweep_staging(&self, min_age: std::time::Duration) -> Result<usize, StorageError> {
        let Some(root) = &self.root else { return Ok(0) };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_get_range_head_list_delete() -> Result<(), StorageError> {
        let dir = tempfile::tempdir()?;
        let s = BlobStore::local(dir.path())?;
        let key = "originals/ab/cd/blob";
        s.put(key, Bytes::from_static(b"hello world")).await?;
        assert_eq!(s.get(key).await?, Bytes::from_static(b"hello world"));
        assert_eq!(s.get_range(key, 6..11).await?, Bytes::from_static(b"world"));
        assert_eq!(s.head(key).await?.map(|m| m.size), Some(11));
        assert!(s.local_path(key).is_some_and(|p| p.is_file()));
        // Same key again: replaced atomically, no stray staging files.
        s.put(key, Bytes::from_static(b"hello again")).await?;
        let listed = s.list("originals").await?;
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].0, key);
        s.delete(key).await?;
        s.delete(key).await?;
        assert!(s.head(key).await?.is_none());
        assert!(matches!(s.get(key).await, Err(StorageError::NotFound(_))));
        for bad in ["../escape", "/abs", ""] {
            assert!(
                matches!(
                    s.put(bad, Bytes::new()).await,
                    Err(StorageError::InvalidKey(_))
                ),
                "{bad}"
            );
        }
        Ok(())
    }
}
