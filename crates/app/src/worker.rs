//! Owns the background worker: claims jobs from the shared queue and runs them, with retries
//! and backoff. Housekeeping (expired sessions, old jobs) is itself a queued, periodic job, so
//! with many nodes it runs once per period, not once per node.

use std::time::Duration;

use tokio::sync::watch;
use vitrine_db::NewJob;

use crate::media::GC_JOB;
use crate::upload::{ANIMATED_MEDIUM_JOB, EXPIRE_JOB};
use crate::{App, AppError};

const HOUSEKEEPING: &str = "housekeeping";
const HOUSEKEEPING_EVERY_SECS: i64 = 3600;
/// A claimed job not finished within this time is considered abandoned and runs again.
const LEASE_SECS: i64 = 300;
const IDLE_POLL: Duration = Duration::from_secs(5);

/// Runs until `shutdown` turns true. Errors are logged and retried; they never stop the loop.
pub async fn run_worker(app: App, worker_id: String, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let worked = match tick(&app, &worker_id).await {
            Ok(worked) => worked,
            Err(e) => {
                tracing::warn!(error = %e, "worker tick failed");
                false
            }
        };
        if !worked {
            tokio::select! {
                _ = tokio::time::sleep(IDLE_POLL) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}

/// Schedules housekeeping when none is pending, then runs one due job. True if one ran.
async fn tick(app: &App, worker_id: &str) -> Result<bool, AppError> {
    let now = app.clock.now();
    if !app.db.job_pending(HOUSEKEEPING).await? {
        app.db
            .enqueue_job(NewJob {
                kind: HOUSEKEEPING,
                payload: "{}".to_owned(),
                run_at: now,
                max_attempts: 3,
            })
            .await?;
    }
    claim_and_run(app, worker_id).await
}

/// Claims one due job, runs it and records the outcome (retries back off exponentially).
/// True if a job ran.
pub(crate) async fn claim_and_run(app: &App, worker_id: &str) -> Result<bool, AppError> {
    let Some(job) = app
        .db
        .claim_job(worker_id, app.clock.now(), LEASE_SECS)
        .await?
    else {
        return Ok(false);
    };
    let result = run_job(app, &job.kind, &job.payload).await;
    let now = app.clock.now();
    match result {
        Ok(()) => {
            app.db.complete_job(job.id, now).await?;
            if job.kind == HOUSEKEEPING {
                app.db
                    .enqueue_job(NewJob {
                        kind: HOUSEKEEPING,
                        payload: "{}".to_owned(),
                        run_at: now.plus_seconds(HOUSEKEEPING_EVERY_SECS),
                        max_attempts: 3,
                    })
                    .await?;
            }
        }
        Err(e) => {
            tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed");
            let retry = (job.attempts < job.max_attempts)
                .then(|| now.plus_seconds(30 * 2i64.pow(job.attempts.clamp(0, 10) as u32)));
            app.db.fail_job(job.id, &e.to_string(), retry, now).await?;
        }
    }
    Ok(true)
}

/// Runs one job. Handlers are idempotent: a job may run again after a crash.
pub(crate) async fn run_job(app: &App, kind: &str, payload: &str) -> Result<(), AppError> {
    let p: serde_json::Value = serde_json::from_str(payload)
        .map_err(|e| AppError::Internal(format!("bad job payload: {e}")))?;
    match kind {
        HOUSEKEEPING => housekeeping(app).await,
        EXPIRE_JOB => match p["id"].as_str() {
            Some(id) => app.expire_media(id).await,
            None => Err(AppError::Internal("expire job without id".into())),
        },
        ANIMATED_MEDIUM_JOB => match p["id"].as_str() {
            Some(id) => app.make_animated_medium(id).await,
            None => Err(AppError::Internal("animated medium job without id".into())),
        },
        GC_JOB => match p["blob_id"].as_i64() {
            Some(id) => app.collect_blob(id).await.map(|_| ()),
            None => Err(AppError::Internal("gc job without blob_id".into())),
        },
        other => Err(AppError::Internal(format!("unknown job kind {other}"))),
    }
}

async fn housekeeping(app: &App) -> Result<(), AppError> {
    let now = app.clock.now();
    let sessions = app.db.delete_expired_sessions(now).await?;
    let jobs = app.db.prune_jobs(now.minus_seconds(7 * 24 * 3600)).await?;
    app.db.prune_album_unlocks(now).await?;
    app.db.prune_media_views(now.0 / 86_400 - 2).await?;
    // Catch-up for expiry jobs that were lost or failed for good.
    let expired = app.db.expired_media(now, 500).await?;
    for m in &expired {
        app.expire_media(m.public_id.as_str()).await?;
    }
    // Blobs left unused by a crash between a delete and its collection.
    let unused = app.db.unreferenced_blobs(500).await?;
    for id in &unused {
        app.collect_blob(*id).await?;
    }
    tracing::info!(
        expired_sessions = sessions,
        pruned_jobs = jobs,
        expired_media = expired.len(),
        collected_blobs = unused.len(),
        "housekeeping done"
    );
    Ok(())
}
