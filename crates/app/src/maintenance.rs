//! Owns the operator's maintenance: running due jobs now, `check` (every blob and variant is
//! present and matches its hash; files nobody references are listed) and `gc` (removes those
//! files, unused blobs, half-written staging files and stale upload temp files).

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;

use crate::upload::sha256_hex;
use crate::worker::claim_and_run;
use crate::{App, AppError};

/// What `check` found. Empty problem lists mean the store and the database agree.
#[derive(Debug, Default, Serialize)]
pub struct CheckReport {
    pub blobs: u64,
    pub variants: u64,
    /// Originals that are missing from the store (data loss).
    pub missing: Vec<String>,
    /// Originals whose bytes no longer match their hash (corruption).
    pub corrupt: Vec<String>,
    /// Derivatives that are missing (rebuilt on the next request; not data loss).
    pub missing_variants: Vec<String>,
    /// Stored files no database row refers to (removable by `gc`).
    pub orphans: Vec<String>,
    /// Blob rows no media uses (removable by `gc`).
    pub unused_blobs: u64,
    /// After a store migration: files (originals and derivatives) still found only in the
    /// old store. The old store must not be retired while this is not empty.
    pub only_in_old_store: Vec<String>,
}

impl CheckReport {
    pub fn is_consistent(&self) -> bool {
        self.missing.is_empty()
            && self.corrupt.is_empty()
            && self.only_in_old_store.is_empty()
            && self.orphans.is_empty()
            && self.unused_blobs == 0
    }
}

#[derive(Debug, Default, Serialize)]
pub struct GcReport {
    pub orphans_removed: u64,
    pub blobs_collected: u64,
    pub staging_removed: u64,
}

impl App {
    /// Runs every job that is due now, in this process; returns how many ran.
    pub async fn run_due_jobs(&self, worker: &str) -> Result<u64, AppError> {
        let mut n = 0;
        while claim_and_run(self, worker).await? {
            n += 1;
        }
        Ok(n)
    }

    /// Verifies every blob (reads and hashes each original) and lists orphans.
    pub async fn check(&self) -> Result<CheckReport, AppError> {
        let mut r = CheckReport::default();
        let mut known = HashSet::new();
        let migrated = self.storage.has_fallback();
        let mut after = 0;
        loop {
            let page = self.db.blobs_after(after, 200).await?;
            let Some((last, _)) = page.last() else { break };
            after = last.id;
            for (blob, variants) in page {
                r.blobs += 1;
                known.insert(blob.storage_key.clone());
                if migrated && !self.storage.in_primary(&blob.storage_key).await? {
                    r.only_in_old_store.push(blob.storage_key.clone());
                }
                match self.storage.get(&blob.storage_key).await {
                    Ok(bytes) if sha256_hex(&bytes) == blob.hash => {}
                    Ok(_) => r.corrupt.push(blob.storage_key.clone()),
                    Err(vitrine_storage::StorageError::NotFound(_)) => {
                        r.missing.push(blob.storage_key.clone())
                    }
                    Err(e) => return Err(e.into()),
                }
                for v in variants {
                    r.variants += 1;
                    if self.storage.head(&v.storage_key).await?.is_none() {
                        r.missing_variants.push(v.storage_key.clone());
                    } else if migrated && !self.storage.in_primary(&v.storage_key).await? {
                        r.only_in_old_store.push(v.storage_key.clone());
                    }
                    known.insert(v.storage_key);
                }
            }
        }
        for prefix in ["originals", "variants"] {
            for (key, _) in self.storage.list(prefix).await? {
                if !known.contains(&key) {
                    r.orphans.push(key);
                }
            }
        }
        r.unused_blobs = self.db.unreferenced_blobs(u64::MAX >> 1).await?.len() as u64;
        Ok(r)
    }

    /// Removes what `check` calls removable. Files younger than `min_age` are kept: they may
    /// belong to an upload that is committing right now.
    pub async fn gc(&self, min_age: Duration) -> Result<GcReport, AppError> {
        let mut r = GcReport::default();
        for id in self.db.unreferenced_blobs(u64::MAX >> 1).await? {
            if self.collect_blob(id).await? {
                r.blobs_collected += 1;
            }
        }
        let now = self.clock.now().0;
        let report = self.check().await?;
        for key in report.orphans {
            let old = self
                .storage
                .head(&key)
                .await?
                .is_some_and(|m| now - m.modified >= min_age.as_secs() as i64);
            // Re-check right before deleting: an upload may have committed since the scan.
            if old && !self.db.storage_key_known(&key).await? {
                self.storage.delete(&key).await?;
                r.orphans_removed += 1;
            }
        }
        r.staging_removed = self.storage.sweep_staging(min_age)? as u64;
        Ok(r)
    }
}
