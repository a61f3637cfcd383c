//! Owns `vitrine storage migrate --to local|s3`: copying every file from the other store to
//! the named one with a progress bar, reporting, and after a complete pass switching over,
//! waiting for the nodes to follow and copying again until nothing new came in.

use std::time::Instant;

use anyhow::bail;
use vitrine_app::{App, StoreMigrationOptions, StoreMigrationReport};
use vitrine_storage::BlobStore;

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
    let source = Stores::other(target);
    let (from, to_store) = (stores.get(source)?, stores.get(target)?);
    eprintln!(
        "copying every file from {} to {} (running it again resumes)",
        source.name(),
        target.name()
    );
    let already_active = app.active_store().await?.as_deref() == Some(target.name());
    let started = Instant::now();
    let mut report = pass(app, from, to_store, target, opts).await?;
    if !report.switched {
        if report.stopped_early && report.complete() {
            println!(
                "stopped at the limit of {} files; run again to go on",
                opts.limit.unwrap_or(0)
            );
            return Ok(());
        }
        bail!(
            "not switched: {} missing and {} corrupt files (see above; `vitrine check` tells more)",
            report.missing.len(),
            report.corrupt.len()
        );
    }
    // Nodes follow the switch within a poll; uploads they were finishing may still have
    // gone to the old store. Once every node has surely switched, copy until nothing is new.
    let mut rounds = 0;
    while (rounds == 0 && !already_active) || (report.copied > 0 && rounds < 10) {
        rounds += 1;
        eprintln!("waiting for every node to follow the switch, then copying what came in...");
        tokio::time::sleep(crate::serve::STORE_POLL * 3).await;
        report = pass(app, from, to_store, target, opts).await?;
    }
    if report.copied > 0 {
        bail!("uploads keep arriving in the old store: is a node not following the switch?");
    }
    println!(
        "{} in {:.1} s. Nothing left to copy: the site uses the {} store (every node follows \
         within seconds). Set storage.backend = \"{}\" in the configuration; `vitrine check` \
         lists anything still only in the old store.",
        if already_active {
            "Checked"
        } else {
            "Switched"
        },
        started.elapsed().as_secs_f64(),
        target.name(),
        target.name()
    );
    Ok(())
}

/// One pass over every file, printing what it did.
async fn pass(
    app: &App,
    from: &BlobStore,
    to: &BlobStore,
    target: StorageBackend,
    opts: StoreMigrationOptions,
) -> anyhow::Result<StoreMigrationReport> {
    let started = Instant::now();
    let report = app
        .migrate_store(from, to, target.name(), opts, |done, total| {
            crate::progress::bar("files", done, total)
        })
        .await?;
    println!(
        "{} files: {} copied ({:.1} MB), {} already there, in {:.1} s",
        report.files,
        report.copied,
        report.bytes_copied as f64 / 1e6,
        report.already_there,
        started.elapsed().as_secs_f64(),
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
    Ok(report)
}
