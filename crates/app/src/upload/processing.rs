//! Owns the CPU side of an upload: the image work runs on a blocking thread inside one of the
//! per-core processing slots (further uploads wait on disk, not in memory), HEIC/AVIF are
//! converted and an asked-for width applied first, and an upload's work has a time budget.

use std::path::PathBuf;

use vitrine_media::Processed;

use crate::{App, AppError};

pub(crate) async fn blocking<T: Send + 'static>(
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

impl App {
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
    pub(crate) async fn process_resized(
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
