//! Owns making an upload durable: its files are written (and fsynced) first, outside the
//! transaction, so uploads do not queue behind each other's disk flushes; then blob, variants,
//! media row and jobs commit in one transaction, which first makes sure (holding the blob row)
//! that the files are still there: the collector deletes only while holding that row.

use vitrine_db::{MediaRecord, NewJob, NewMedia, UploadError};
use vitrine_storage::StorageError;

use super::content::Content;
use crate::{App, AppError};

impl App {
    /// Writes the upload's files and commits its rows; answers the committed media row.
    pub(crate) async fn store_upload(
        &self,
        content: Content,
        media: NewMedia,
        jobs: Vec<NewJob<'_>>,
    ) -> Result<MediaRecord, AppError> {
        let Content {
            blob,
            variants,
            files,
            ..
        } = content;
        let storage = self.storage.clone();
        for (key, data) in &files {
            storage.put(key, data.clone()).await?;
        }
        // Run inside the transaction: rewrites any file that went since.
        let rewrite_missing = || async move {
            for (key, data) in files {
                if storage.head(&key).await?.is_none() {
                    storage.put(&key, data).await?;
                }
            }
            Ok::<(), StorageError>(())
        };
        self.db
            .commit_upload(blob, variants, media, jobs, rewrite_missing)
            .await
            .map_err(|e| match e {
                UploadError::Db(e) => AppError::from(e),
                UploadError::Files(e) => AppError::from(e),
            })
    }
}
