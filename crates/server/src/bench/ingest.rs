//! `vitrine bench ingest`: per image, the same work an upload does (hash, durable store of the
//! original, metadata strip, thumbnail + medium from one decode, durable store of both), timed
//! on one worker, beside `vipsthumbnail` run once per size as whole processes on one core.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use vitrine_media::Options;
use vitrine_storage::{BlobStore, original_key, variant_key};

use super::{median, peak_rss, reset_peak_rss};

struct Row {
    name: String,
    megapixels: f64,
    ours_ms: f64,
    vips_ms: Option<f64>,
    peak_mb: f64,
}

async fn ours_once(store: &BlobStore, bytes: &[u8], opts: &Options) -> anyhow::Result<()> {
    let processed = vitrine_media::process(bytes, opts)?;
    let stored = processed.original.as_deref().unwrap_or(bytes);
    let hash = hex::encode(Sha256::digest(stored));
    store
        .put(&original_key(&hash)?, Bytes::copy_from_slice(stored))
        .await?;
    for v in std::iter::once(&processed.thumb).chain(processed.medium.as_ref()) {
        let key = variant_key(&hash, v.kind.as_str(), v.format.extension())?;
        store.put(&key, Bytes::from(v.bytes.clone())).await?;
    }
    Ok(())
}

fn vips_once(input: &Path, out_dir: &Path) -> anyhow::Result<f64> {
    let start = Instant::now();
    for args in [
        vec![
            "-s".to_owned(),
            "320x320".to_owned(),
            "-c".to_owned(),
            "-o".to_owned(),
            format!("{}/th.jpg[Q=85]", out_dir.display()),
        ],
        vec![
            "-s".to_owned(),
            "1280".to_owned(),
            "-o".to_owned(),
            format!("{}/md.jpg[Q=85]", out_dir.display()),
        ],
    ] {
        let status = Command::new("taskset")
            .args(["-c", "0", "vipsthumbnail"])
            .arg(input)
            .args(&args)
            .status()?;
        anyhow::ensure!(
            status.success(),
            "vipsthumbnail failed on {}",
            input.display()
        );
    }
    Ok(start.elapsed().as_secs_f64() * 1000.0)
}

fn has_vips() -> bool {
    Command::new("vipsthumbnail")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

pub fn run(images: Option<PathBuf>, runs: usize) -> anyhow::Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("vitrine-bench-")
        .tempdir()?;
    let files = super::images(images.as_deref(), scratch.path(), 4)?;
    let store_dir = scratch.path().join("store");
    let vips_dir = scratch.path().join("vips");
    std::fs::create_dir_all(&vips_dir)?;
    let vips = has_vips();
    if !vips {
        println!("vipsthumbnail not found (Debian: libvips-tools): no reference in this run");
    }
    // One worker: a single-threaded runtime, so our side uses one core like the reference.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let opts = Options::default();
    let mut rows = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file)?;
        let probe = vitrine_media::probe(&bytes, vitrine_media::sniff(&bytes)?, &opts.limits)?;
        let mut ours = Vec::new();
        let mut peak: f64 = 0.0;
        for _ in 0..runs.max(1) {
            let store = BlobStore::local(&store_dir)?;
            let before = super::current_rss().unwrap_or(0);
            reset_peak_rss();
            let start = Instant::now();
            rt.block_on(ours_once(&store, &bytes, &opts))?;
            ours.push(start.elapsed().as_secs_f64() * 1000.0);
            peak = peak.max(peak_rss().unwrap_or(0).saturating_sub(before) as f64 / 1_048_576.0);
            std::fs::remove_dir_all(&store_dir)?;
        }
        let vips_ms = if vips {
            let mut t = Vec::new();
            for _ in 0..runs.max(1) {
                t.push(vips_once(file, &vips_dir)?);
            }
            Some(median(&mut t))
        } else {
            None
        };
        rows.push(Row {
            name: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            megapixels: f64::from(probe.width) * f64::from(probe.height) / 1e6,
            ours_ms: median(&mut ours),
            vips_ms,
            peak_mb: peak,
        });
    }
    println!(
        "{:<28} {:>6} {:>10} {:>8} {:>10} {:>8} {:>12}",
        "image", "MP", "ours ms", "MP/s", "vips ms", "ratio", "peak RSS MB"
    );
    for r in &rows {
        let ratio = r
            .vips_ms
            .map_or("-".to_owned(), |v| format!("{:.2}", r.ours_ms / v));
        let vips = r.vips_ms.map_or("-".to_owned(), |v| format!("{v:.1}"));
        println!(
            "{:<28} {:>6.1} {:>10.1} {:>8.1} {:>10} {:>8} {:>12.1}",
            r.name,
            r.megapixels,
            r.ours_ms,
            r.megapixels / (r.ours_ms / 1000.0),
            vips,
            ratio,
            r.peak_mb
        );
    }
    let ours: f64 = rows.iter().map(|r| r.ours_ms).sum();
    if let Some(v) = rows.iter().map(|r| r.vips_ms).sum::<Option<f64>>() {
        println!("ratio_vs_vips = {:.3}", ours / v);
    }
    Ok(())
}
