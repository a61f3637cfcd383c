//! Owns `vitrine storage migrate --to local|s3`: copying every file from the other store to
//! the named one with a progress bar, then reporting and (when complete) switching over.

use std::time::Instant;

use anyhow::bail;
use vitrine_app::{App, StoreMigrationOptions};

use crate::storage_config::{StorageBackend, Stores};

pub async fn run(
    app: &App,
    stores: &Stores,
    to: &str,
    opts: StoreMigrationOptions,
) -> anyhow::Result<()> {
    let Some(target) = StorageBackend::from_name(to) else {
        bail!("unknown store {to:?}: use `local` or `s3`");
    };
    let source = match target {
        StorageBackend::Local => StorageBackend::S3,
        StorageBackend::S3 => StorageBackend::Local,
    };
    let (from, to_store) = (stores.get(source)?, stores.get(target)?);
    eprintln!(
        "copying every file from {} to {} (running it again resumes)",
        source.name(),
        target.name()
    );
    let already_active = app.active_store().await?.as_deref() == Some(target.name());
    let started = Instant::now();
    let report = app
        .migrate_store(from, to_store, target.name(), opts, |done, total| {
            crate::progress::bar("files", done, total)
        })
        .await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} files: {} copied ({:.1} MB), {} already there, in {secs:.1} s",
        report.files,
        report.copied,
        report.bytes_copied as f64 / 1e6,
        report.already_there,
    );
    for key in &report.missing_derivatives {
        println!("derivative missing in the source (rebuilt on request): {key}");
    }
    for key in &report.missing {
        println!("MISSING in the source: {key}");
    }
    for key in &report.corrupt {
        println!("CORRUPT (hash mismatch): {key}");
    }
    if report.stopped_early && report.complete() {
        println!(
            "stopped at the limit of {} files; run again to go on",
            opts.limit.unwrap_or(0)
        );
        return Ok(());
    }
    if !report.switched {
        bail!(
            "not switched: {} missing and {} corrupt files (see above; `vitrine check` tells more)",
            report.missing.len(),
            report.corrupt.len()
        );
    }
    if report.copied == 0 && already_active {
        println!(
            "Nothing left to copy: the site uses the {} store.",
            target.name()
        );
    } else {
        println!(
            "The site now uses the {} store (every node follows within seconds). Run this \
             command once more to copy anything uploaded during the switch, then set \
             storage.backend = \"{}\".",
            target.name(),
            target.name()
        );
    }
    Ok(())
}
