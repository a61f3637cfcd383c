//! Owns the benchmark commands of docs/benchmarks.md: `vitrine bench ingest` (our pipeline against
//! `vipsthumbnail` on the same files, in the same run) and `vitrine bench upload` (uploads per
//! second through HTTP) and `vitrine bench soak` (mixed traffic for minutes: errors, latency,
//! memory). They print figures; they never fail on slowness (soak fails on server errors).

pub mod ingest;
pub mod soak;
mod soak_server;
pub mod upload;

use std::path::{Path, PathBuf};

/// Images to use: the files in `dir`, or generated photos (12 and 24 MP JPEGs) in `scratch`.
pub fn images(dir: Option<&Path>, scratch: &Path, count: usize) -> anyhow::Result<Vec<PathBuf>> {
    if let Some(dir) = dir {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        v.sort();
        anyhow::ensure!(!v.is_empty(), "no files in {}", dir.display());
        return Ok(v);
    }
    let sizes: [(u16, u16, &str); 2] = [(4000, 3000, "12mp"), (6000, 4000, "24mp")];
    let mut out = Vec::new();
    for i in 0..count {
        let (w, h, name) = sizes[i % sizes.len()];
        let path = scratch.join(format!("photo-{name}-{i}.jpg"));
        if !path.exists() {
            let bytes =
                vitrine_media::synth::photo_jpeg(w, h, i as u64 + 1).map_err(anyhow::Error::msg)?;
            std::fs::write(&path, bytes)?;
        }
        out.push(path);
    }
    Ok(out)
}

/// Peak resident memory of this process since the last reset, in bytes (Linux).
pub fn peak_rss() -> Option<u64> {
    proc_status_kb("VmHWM:").map(|kb| kb * 1024)
}

pub fn current_rss() -> Option<u64> {
    proc_status_kb("VmRSS:").map(|kb| kb * 1024)
}

/// Resets the peak-RSS counter so the next reading covers only what follows (Linux >= 4.0).
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn proc_status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return 0.0;
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}
