//! Owns the `jobs` table: a durable queue. A job is claimed by one worker at a time
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL and MariaDB/MySQL, the single writer on SQLite); a
//! claim that is not completed before `locked_until` (a crashed worker) becomes claimable again.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, Statement, TransactionTrait,
};
use vitrine_domain::Timestamp;

use crate::connection::Backend;
use crate::entity::job;
use crate::{Db, DbError};

#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobState {
    pub status: String,
    pub attempts: i32,
    pub locked_by: Option<String>,
}

impl From<job::Model> for JobRecord {
    fn from(m: job::Model) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            payload: m.payload,
            attempts: m.attempts,
            max_attempts: m.max_attempts,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: String,
    pub run_at: Timestamp,
    pub max_attempts: i32,
}

const CLAIM_SQLITE: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
    locked_by = ?, locked_until = ?, updated_at = ? \
    WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= ?) \
    OR (status = 'running' AND locked_until < ?) ORDER BY run_at, id LIMIT 1) RETURNING *";

const CLAIM_POSTGRES: &str = "UPDATE jobs SET status = 'running', attempts = attempts + 1, \
    locked_by = $1, locked_until = $2, updated_at = $3 \
    WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= $4) \
    OR (status = 'running' AND locked_until < $5) ORDER BY run_at, id LIMIT 1 \
    FOR UPDATE SKIP LOCKED) RETURNING *";

/// MySQL can neither return updated rows nor update a table it selects from in a subquery:
/// lock the due row (skipping rows other workers hold), then update it, in one transaction.
/// Two single-condition lookups rather than one with OR: InnoDB locks every row a query
/// examines, and an OR over two states would examine (and lock) far more than the one row.
const PICK_QUEUED_MYSQL: &str = "SELECT id FROM jobs WHERE status = 'queued' AND run_at <= ? \
    ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED";
const PICK_ABANDONED_MYSQL: &str = "SELECT id FROM jobs WHERE status = 'running' \
    AND locked_until < ? ORDER BY locked_until, id LIMIT 1 FOR UPDATE SKIP LOCKED";

/// Enqueues on any connection (so a job can commit together with the change that needs it).
pub(crate) async fn enqueue_on<C: sea_orm::ConnectionTrait>(
    conn: &C,
    j: NewJob<'_>,
) -> Result<i64, DbError> {
    let m = job::ActiveModel {
        kind: Set(j.kind.to_owned()),
        payload: Set(j.payload),
        status: Set("queued".to_owned()),
        run_at: Set(j.run_at.0),
        attempts: Set(0),
        max_attempts: Set(j.max_attempts.max(1)),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        created_at: Set(j.run_at.0),
        updated_at: Set(j.run_at.0),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(m.id)
}

impl Db {
    pub async fn enqueue_job(&self, j: NewJob<'_>) -> Result<i64, DbError> {
        enqueue_on(&self.write, j).await
    }

    /// Claims the next due job for `worker`, holding it for `lease_secs`.
    pub async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
    ) -> Result<Option<JobRecord>, DbError> {
        let (backend, sql) = match self.backend() {
            Backend::Sqlite => (DbBackend::Sqlite, CLAIM_SQLITE),
            Backend::Postgres => (DbBackend::Postgres, CLAIM_POSTGRES),
            Backend::MySql => return self.claim_job_mysql(worker, now, lease_secs).await,
        };
        let values = [
            worker.into(),
            now.plus_seconds(lease_secs).0.into(),
            now.0.into(),
            now.0.into(),
            now.0.into(),
        ];
        let claimed = job::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
            .one(&self.write)
            .await?;
        Ok(claimed.map(JobRecord::from))
    }

    async fn claim_job_mysql(
        &self,
        worker: &str,
        now: Timestamp,
        lease_secs: i64,
    ) -> Result<Option<JobRecord>, DbError> {
        let txn = self.write.begin().await?;
        let mut picked = None;
        for sql in [PICK_QUEUED_MYSQL, PICK_ABANDONED_MYSQL] {
            picked = txn
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::MySql,
                    sql,
                    [now.0.into()],
                ))
                .await?;
            if picked.is_some() {
                break;
            }
        }
        let Some(row) = picked else {
            txn.commit().await?;
            return Ok(None);
        };
        let id: i64 = row.try_get("", "id")?;
        job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value("running"))
            .col_expr(
                job::Column::Attempts,
                sea_orm::sea_query::ExprTrait::add(Expr::col(job::Column::Attempts), 1),
            )
            .col_expr(job::Column::LockedBy, Expr::value(worker))
            .col_expr(
                job::Column::LockedUntil,
                Expr::value(now.plus_seconds(lease_secs).0),
            )
            .col_expr(job::Column::UpdatedAt, Expr::value(now.0))
            .filter(job::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        let claimed = job::Entity::find_by_id(id).one(&txn).await?;
        txn.commit().await?;
        Ok(claimed.map(JobRecord::from))
    }

    /// Extends `worker`'s claim on job `id` to `until`; false when the claim is no longer
    /// its own (it lapsed and another worker took the job).
    pub async fn renew_job_lease(
        &self,
        id: i64,
        worker: &str,
        until: Timestamp,
    ) -> Result<bool, DbError> {
        let res = job::Entity::update_many()
            .col_expr(job::Column::LockedUntil, Expr::value(until.0))
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::Status.eq("running"))
            .filter(job::Column::LockedBy.eq(worker))
            .exec(&self.write)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// How many jobs there are of each kind and status, for `vitrine jobs status`.
    pub async fn job_counts(&self) -> Result<Vec<(String, String, i64)>, DbError> {
        use sea_orm::QuerySelect;
        Ok(job::Entity::find()
            .select_only()
            .column(job::Column::Kind)
            .column(job::Column::Status)
            .column_as(job::Column::Id.count(), "n")
            .group_by(job::Column::Kind)
            .group_by(job::Column::Status)
            .into_tuple()
            .all(&self.read)
            .await?)
    }

    /// The state of job `id`: status, attempts and the worker holding it.
    pub async fn job_state(&self, id: i64) -> Result<Option<JobState>, DbError> {
        Ok(job::Entity::find_by_id(id)
            .one(&self.read)
            .await?
            .map(|m| JobState {
                status: m.status,
                attempts: m.attempts,
                locked_by: m.locked_by,
            }))
    }

    /// Marks job `id` done, if `worker` still holds it (a worker whose claim lapsed must not
    /// settle a job another worker now runs).
    pub async fn complete_job(&self, id: i64, worker: &str, now: Timestamp) -> Result<(), DbError> {
        job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value("done"))
            .col_expr(job::Column::LockedUntil, Expr::value(Option::<i64>::None))
            .col_expr(job::Column::UpdatedAt, Expr::value(now.0))
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::Status.eq("running"))
            .filter(job::Column::LockedBy.eq(worker))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// Records a failure: the job runs again at `retry_at`, or is marked failed for good (if
    /// `worker` still holds it).
    pub async fn fail_job(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), DbError> {
        let (status, run_at) = match retry_at {
            Some(t) => ("queued", t.0),
            None => ("failed", now.0),
        };
        job::Entity::update_many()
            .col_expr(job::Column::Status, Expr::value(status))
            .col_expr(job::Column::RunAt, Expr::value(run_at))
            .col_expr(
                job::Column::LastError,
                Expr::value(error.chars().take(2000).collect::<String>()),
            )
            .col_expr(job::Column::LockedUntil, Expr::value(Option::<i64>::None))
            .col_expr(job::Column::UpdatedAt, Expr::value(now.0))
            .filter(job::Column::Id.eq(id))
            .filter(job::Column::Status.eq("running"))
            .filter(job::Column::LockedBy.eq(worker))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// Whether a job of this kind is queued or running (to avoid piling up periodic jobs).
    pub async fn job_pending(&self, kind: &str) -> Result<bool, DbError> {
        use sea_orm::PaginatorTrait;
        Ok(job::Entity::find()
            .filter(job::Column::Kind.eq(kind))
            .filter(job::Column::Status.is_in(["queued", "running"]))
            .count(&self.read)
            .await?
            > 0)
    }

    /// Deletes finished jobs last touched before `before`.
    pub async fn prune_jobs(&self, before: Timestamp) -> Result<u64, DbError> {
        Ok(job::Entity::delete_many()
            .filter(job::Column::Status.is_in(["done", "failed"]))
            .filter(job::Column::UpdatedAt.lt(before.0))
            .exec(&self.write)
            .await?
            .rows_affected)
    }
}
