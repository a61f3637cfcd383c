//! Owns upload temp files: named randomly inside the data directory's `tmp` (so the final
//! rename stays on one file system) and deleted when dropped, on every path.

use std::path::{Path, PathBuf};

/// A temp file that deletes itself.
#[derive(Debug)]
pub struct TempFile(PathBuf);

impl TempFile {
    /// A fresh, not yet created, path in `dir`.
    pub fn new_in(dir: &Path) -> Self {
        let mut b = [0u8; 12];
        // Falls back to zeros only if the OS has no randomness, where nothing else works.
        let _ = getrandom::fill(&mut b);
        TempFile(dir.join(format!("upload-{}", hex::encode(b))))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
