//! Owns `vitrine db copy`: opening both databases (migrating the target), refusing a
//! non-empty target unless told to wipe it, and a progress bar per table on stderr.

use anyhow::{Context as _, bail};
use vitrine_db::{Db, redact_url};

pub async fn run(from: &str, to: &str, force: bool) -> anyhow::Result<()> {
    if from == to {
        bail!("the source and the target are the same database");
    }
    let source = Db::connect(from)
        .await
        .with_context(|| format!("cannot open the source {}", redact_url(from)))?;
    source
        .migrate()
        .await
        .context("cannot bring the source up to date")?;
    let target = Db::connect(to)
        .await
        .with_context(|| format!("cannot open the target {}", redact_url(to)))?;
    target
        .migrate()
        .await
        .context("cannot prepare the target")?;
    if !target.is_empty().await? {
        if !force {
            bail!(
                "the target {} already holds data; use --force to wipe it first",
                redact_url(to)
            );
        }
        target.wipe().await.context("cannot wipe the target")?;
    }
    eprintln!("copying {} -> {}", redact_url(from), redact_url(to));
    source
        .copy_into(&target, crate::progress::bar)
        .await
        .context("the copy failed; the target is incomplete (run again with --force)")?;
    source.close().await;
    target.close().await;
    println!("copied every table to {}", redact_url(to));
    Ok(())
}
