//! Owns the background worker: claims jobs from the shared queue and runs them, with retries
//! and backoff. Housekeeping (expired sessions, old jobs) is itself a queued, periodic job, so
//! with many nodes it runs once per period, not once per node.

use std::time::Duration;

use tokio::sync::watch;
use vitrine_db::{AuditQuery, NewJob};
use vitrine_domain::Timestamp;

use crate::media::GC_JOB;
use crate::upload::{ANIMATED_MEDIUM_JOB, EXPIRE_JOB};
use crate::{App, AppError, RequestMeta};

const HOUSEKEEPING: &str = "housekeeping";
const HOUSEKEEPING_EVERY_SECS: i64 = 3600;
/// A claimed job whose worker has not renewed its claim within this time is considered
/// abandoned and runs again.
pub(crate) const DEFAULT_LEASE_SECS: i64 = 300;
/// A diagnostic job: waits, then records each run in the audit log. Operators use it to see
/// the queue work across nodes (`vitrine jobs probe`), tests to count runs.
pub const PROBE_JOB: &str = "probe";
pub const PROBE_RAN: &str = "job_probe_ran";
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

/// Claims one due job, runs it (renewing the claim while it runs) and records the outcome
/// (retries back off exponentially). True if a job ran.
pub(crate) async fn claim_and_run(app: &App, worker_id: &str) -> Result<bool, AppError> {
    let lease = app.job_lease_secs.max(2);
    let Some(job) = app.db.claim_job(worker_id, app.clock.now(), lease).await? else {
        return Ok(false);
    };
    let result = {
        let run = run_job(app, job.id, worker_id, &job.kind, &job.payload);
        let renew = renew_lease(app, job.id, worker_id, lease);
        tokio::pin!(run);
        tokio::select! {
            r = &mut run => r,
            // Renewal only ends when the claim is lost: stop, another worker has the job.
            lost = renew => return lost.map(|()| true),
        }
    };
    let now = app.clock.now();
    match result {
        Ok(()) => {
            app.db.complete_job(job.id, worker_id, now).await?;
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
            app.db
                .fail_job(job.id, worker_id, &e.to_string(), retry, now)
                .await?;
        }
    }
    Ok(true)
}

/// Renews the claim on job `id` every third of the lease. Returns only when the claim was
/// lost (the job was reclaimed after this worker stalled past its lease).
async fn renew_lease(app: &App, id: i64, worker_id: &str, lease: i64) -> Result<(), AppError> {
    let every = Duration::from_millis((lease as u64 * 1000 / 3).max(500));
    loop {
        tokio::time::sleep(every).await;
        let now = app.clock.now();
        match app
            .db
            .renew_job_lease(id, worker_id, now.plus_seconds(lease))
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    job = id,
                    "lost the claim on a job; leaving it to its new worker"
                );
                return Ok(());
            }
            // A blip: try again next time; the lease covers a few misses.
            Err(e) => tracing::warn!(job = id, error = %e, "cannot renew a job claim"),
        }
    }
}

/// Runs one job. Handlers are idempotent: a job may run again after a crash.
#[tracing::instrument(name = "job", skip(app, payload, worker_id), fields(worker = worker_id))]
pub(crate) async fn run_job(
    app: &App,
    id: i64,
    worker_id: &str,
    kind: &str,
    payload: &str,
) -> Result<(), AppError> {
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
        PROBE_JOB => probe(app, id, worker_id, p["sleep_ms"].as_u64().unwrap_or(0)).await,
        other => Err(AppError::Internal(format!("unknown job kind {other}"))),
    }
}

/// Deliberately not idempotent: every run is recorded (with its worker), so a job that ran
/// twice shows up twice.
async fn probe(app: &App, id: i64, worker_id: &str, sleep_ms: u64) -> Result<(), AppError> {
    tokio::time::sleep(Duration::from_millis(sleep_ms.min(60_000))).await;
    let details = serde_json::json!({ "worker": worker_id });
    app.audit(
        None,
        PROBE_RAN,
        Some(&id.to_string()),
        &RequestMeta::default(),
        Some(details),
    )
    .await;
    Ok(())
}

impl App {
    /// Queues `count` probe jobs that each wait `sleep_ms`; returns their ids.
    pub async fn enqueue_probes(&self, count: u32, sleep_ms: u64) -> Result<Vec<i64>, AppError> {
        let mut ids = Vec::new();
        for _ in 0..count {
            ids.push(
                self.db
                    .enqueue_job(NewJob {
                        kind: PROBE_JOB,
                        payload: serde_json::json!({ "sleep_ms": sleep_ms }).to_string(),
                        run_at: self.clock.now(),
                        max_attempts: 5,
                    })
                    .await?,
            );
        }
        Ok(ids)
    }

    /// How many runs of probe job `id` finished (exactly 1 once it is done, whatever the
    /// number of workers).
    pub async fn probe_runs(&self, id: i64) -> Result<u64, AppError> {
        Ok(self
            .db
            .count_audit_since(
                PROBE_RAN,
                AuditQuery::ByTarget(&id.to_string()),
                Timestamp(0),
            )
            .await?)
    }
}

async fn housekeeping(app: &App) -> Result<(), AppError> {
    let now = app.clock.now();
    let sessions = app.db.delete_expired_sessions(now).await?;
    let jobs = app.db.prune_jobs(now.minus_seconds(7 * 24 * 3600)).await?;
    app.db.prune_album_unlocks(now).await?;
    app.db.delete_expired_password_resets(now).await?;
    app.db.delete_expired_signup_requests(now).await?;
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
