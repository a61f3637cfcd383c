//! Owns the settings of the external decoder programs (run by `child`): which programs this
//! server has, where they get scratch files, and when they are killed.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::MediaError;

/// External decoders for formats no memory-safe Rust decoder handles.
#[derive(Debug, Clone)]
pub struct Tools {
    /// libheif's `heif-convert`, for HEIC and AVIF; `None` refuses those formats clearly.
    pub heif_convert: Option<PathBuf>,
    /// util-linux `prlimit`, which starts a child under memory and file-size limits (the
    /// server itself cannot: it has no unsafe code for `setrlimit` between fork and exec).
    /// `None`: children run with the deadline only.
    pub prlimit: Option<PathBuf>,
    /// A private directory on local disk for the children's input and output files.
    pub work_dir: PathBuf,
    /// Children are killed at this instant (the upload's processing budget).
    pub deadline: Option<Instant>,
    /// Used when there is no `deadline`.
    pub timeout: Duration,
}

impl Default for Tools {
    fn default() -> Self {
        Self {
            heif_convert: None,
            prlimit: None,
            work_dir: std::env::temp_dir(),
            deadline: None,
            timeout: Duration::from_secs(60),
        }
    }
}

impl Tools {
    pub(crate) fn deadline(&self) -> Instant {
        self.deadline
            .unwrap_or_else(|| Instant::now() + self.timeout)
    }

    /// Seconds the child was given, for the error message.
    pub(crate) fn budget_secs(&self, started: Instant) -> u64 {
        self.deadline()
            .saturating_duration_since(started)
            .as_secs()
            .max(1)
    }
}

/// A fresh directory under `work_dir`, removed with everything in it when dropped.
pub(crate) struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub(crate) fn new(tools: &Tools) -> Result<Self, MediaError> {
        // Process, thread and clock make the name unique; `create_dir` refuses one that exists
        // (so a clash is retried, never shared).
        let thread = format!("{:?}", std::thread::current().id());
        let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
        let mut last = None;
        for _ in 0..4 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            let path = tools
                .work_dir
                .join(format!("child-{}-{thread}-{nanos}", std::process::id()));
            match std::fs::create_dir(&path) {
                Ok(()) => return Ok(Self { path }),
                Err(e) => last = Some(e),
            }
        }
        tracing::error!(
            dir = %tools.work_dir.display(),
            error = %last.map_or_else(String::new, |e| e.to_string()),
            "cannot make a scratch directory for a decoder"
        );
        Err(MediaError::Processing(
            "the server could not prepare the decoder's work space".into(),
        ))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
