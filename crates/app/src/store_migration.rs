//! Owns moving every stored file to another store (`vitrine storage migrate`) and which store
//! is in use. Files are copied in blob order, a few at a time; each copy is read back and its
//! SHA-256 compared, and originals must also match the hash they are named by. A file the
//! target already holds at the right size counts as copied, so running again resumes (a
//! write lands whole or not at all; one cut off between writing and reading back is checked
//! only by `--verify`). Only a complete, clean pass switches the site over: the store in use
//! is a setting in the database, which every node polls.

use futures::StreamExt;
use serde::Serialize;
use vitrine_storage::{BlobStore, StorageError};

use crate::upload::sha256_hex;
use crate::{App, AppError};

/// The setting naming the store in use (`local` or `s3`) once a migration has switched it.
pub const ACTIVE_STORE_KEY: &str = "storage_active";

/// Files copied at once.
const IN_FLIGHT: usize = 8;

#[derive(Debug, Default, Serialize)]
pub struct StoreMigrationReport {
    /// Originals and derivatives the database knows of.
    pub files: u64,
    pub copied: u64,
    /// Already in the target (from an earlier, interrupted run).
    pub already_there: u64,
    pub bytes_copied: u64,
    /// Originals missing from the source: the switch does not happen.
    pub missing: Vec<String>,
    /// Derivatives missing from the source: rebuilt on request, so they do not block.
    pub missing_derivatives: Vec<String>,
    /// Files whose bytes did not match their hash (in the source or read back from the
    /// target): the switch does not happen.
    pub corrupt: Vec<String>,
    /// The run stopped at its copy limit before reaching the end.
    pub stopped_early: bool,
    pub switched: bool,
}

/// How a migration run behaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreMigrationOptions {
    /// Re-read and hash files an earlier run already copied.
    pub verify_existing: bool,
    /// Stop once about this many files were copied in this run (whole blobs with their
    /// derivatives: it may go a little over), to spread a migration over several windows;
    /// the switch waits for a run that reaches the end.
    pub limit: Option<u64>,
}

impl StoreMigrationReport {
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.corrupt.is_empty()
    }
}

/// One file to move: its key, the hash it must have (originals), its size.
struct Item {
    key: String,
    hash: Option<String>,
    size: u64,
}

enum Outcome {
    Copied(u64),
    AlreadyThere,
    Missing,
    Corrupt,
}

async fn move_one(
    from: &BlobStore,
    to: &BlobStore,
    item: &Item,
    verify_existing: bool,
) -> Result<Outcome, StorageError> {
    if let Some(meta) = to.head(&item.key).await?
        && meta.size == item.size
    {
        if !verify_existing {
            return Ok(Outcome::AlreadyThere);
        }
        let there = sha256_hex(&to.get(&item.key).await?);
        let expected = match &item.hash {
            Some(h) => h.clone(),
            None => match from.get(&item.key).await {
                Ok(b) => sha256_hex(&b),
                // Only the target has it: nothing to compare with, and nothing to copy.
                Err(StorageError::NotFound(_)) => return Ok(Outcome::AlreadyThere),
                Err(e) => return Err(e),
            },
        };
        if there == expected {
            return Ok(Outcome::AlreadyThere);
        }
    }
    let bytes = match from.get(&item.key).await {
        Ok(b) => b,
        Err(StorageError::NotFound(_)) => return Ok(Outcome::Missing),
        Err(e) => return Err(e),
    };
    let digest = sha256_hex(&bytes);
    if item.hash.as_ref().is_some_and(|h| *h != digest) {
        return Ok(Outcome::Corrupt);
    }
    let len = bytes.len() as u64;
    to.put(&item.key, bytes).await?;
    if sha256_hex(&to.get(&item.key).await?) != digest {
        return Ok(Outcome::Corrupt);
    }
    Ok(Outcome::Copied(len))
}

impl App {
    /// The store a finished migration switched the site to, if any.
    pub async fn active_store(&self) -> Result<Option<String>, AppError> {
        Ok(self.db.get_setting(ACTIVE_STORE_KEY).await?)
    }

    /// Copies every original and derivative from `from` to `to` and, when all of them are
    /// there and verified, records `to_name` as the store in use. `progress(done, total)`
    /// follows every file.
    pub async fn migrate_store(
        &self,
        from: &BlobStore,
        to: &BlobStore,
        to_name: &str,
        opts: StoreMigrationOptions,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<StoreMigrationReport, AppError> {
        let mut r = StoreMigrationReport {
            files: self.db.stored_file_count().await?,
            ..Default::default()
        };
        let mut done = 0;
        progress(0, r.files);
        let mut after = 0;
        let verify_existing = opts.verify_existing;
        'pages: loop {
            if opts.limit.is_some_and(|l| r.copied >= l) {
                r.stopped_early = true;
                break 'pages;
            }
            // Pages stay small under a limit so a run stops close to it.
            let page_size = opts.limit.map_or(200, |l| (l - r.copied).clamp(1, 200));
            let page = self.db.blobs_after(after, page_size).await?;
            let Some((last, _)) = page.last() else { break };
            after = last.id;
            let mut items = Vec::new();
            for (blob, variants) in page {
                items.push((
                    true,
                    Item {
                        key: blob.storage_key,
                        hash: Some(blob.hash),
                        size: blob.size,
                    },
                ));
                items.extend(variants.into_iter().map(|v| {
                    (
                        false,
                        Item {
                            key: v.storage_key,
                            hash: None,
                            size: v.size,
                        },
                    )
                }));
            }
            let mut moves =
                futures::stream::iter(items.into_iter().map(|(original, item)| async move {
                    let outcome = move_one(from, to, &item, verify_existing).await;
                    (original, item.key, outcome)
                }))
                .buffer_unordered(IN_FLIGHT);
            while let Some((original, key, outcome)) = moves.next().await {
                match outcome? {
                    Outcome::Copied(n) => {
                        r.copied += 1;
                        r.bytes_copied += n;
                    }
                    Outcome::AlreadyThere => r.already_there += 1,
                    Outcome::Missing if original => r.missing.push(key),
                    Outcome::Missing => r.missing_derivatives.push(key),
                    Outcome::Corrupt => r.corrupt.push(key),
                }
                done += 1;
                progress(done, r.files.max(done));
            }
        }
        if r.complete() && !r.stopped_early {
            self.db
                .put_setting(ACTIVE_STORE_KEY, to_name, self.clock.now())
                .await?;
            r.switched = true;
        }
        Ok(r)
    }
}
