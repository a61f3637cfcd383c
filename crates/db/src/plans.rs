//! Owns showing how the database would run the statements that must stay index-backed at
//! scale (issue 17). Each statement is built by the same function its repository method runs,
//! so a test reading its plan checks exactly what runs. For tests and tools; the app never
//! calls it.

use sea_orm::{ConnectionTrait, QueryTrait, Statement};
use vitrine_domain::Timestamp;

use crate::{Audience, Backend, Db, DbError, listings, media};

/// A repository statement whose plan can be shown.
#[derive(Debug, Clone, Copy)]
pub enum Planned<'a> {
    /// `Db::count_album_media`.
    AlbumMediaCounts {
        album_ids: &'a [i64],
        audience: Audience,
        now: Timestamp,
    },
    /// `Db::newest_album_media`.
    NewestAlbumMedia {
        album_ids: &'a [i64],
        audience: Audience,
        now: Timestamp,
    },
    /// `Db::unreferenced_blobs`.
    UnreferencedBlobs { limit: u64 },
}

impl Planned<'_> {
    /// The statement, with its bound values, as the repository method sends it to `backend`.
    pub fn statement(&self, backend: Backend) -> Statement {
        let dialect = backend.dialect();
        match *self {
            Planned::AlbumMediaCounts {
                album_ids,
                audience,
                now,
            } => listings::album_counts(album_ids, audience, now).build(dialect),
            Planned::NewestAlbumMedia {
                album_ids,
                audience,
                now,
            } => listings::album_newest(album_ids, audience, now).build(dialect),
            Planned::UnreferencedBlobs { limit } => media::unreferenced_blobs(limit).build(dialect),
        }
    }
}

impl Db {
    /// The plan the database picks for `planned` with its bound values, in the backend's own
    /// words: SQLite's `EXPLAIN QUERY PLAN` details one per line; PostgreSQL's
    /// `EXPLAIN (FORMAT JSON)` document as one line; one `select_type=.. table=.. type=.. key=..` line per
    /// row of MariaDB/MySQL's `EXPLAIN`.
    pub async fn explain(&self, planned: Planned<'_>) -> Result<Vec<String>, DbError> {
        let stmt = planned.statement(self.backend());
        let prefix = match self.backend() {
            Backend::Sqlite => "EXPLAIN QUERY PLAN ",
            Backend::Postgres => "EXPLAIN (FORMAT JSON) ",
            Backend::MySql => "EXPLAIN ",
        };
        let explain = Statement {
            sql: format!("{prefix}{}", stmt.sql),
            ..stmt
        };
        let rows = self.read.query_all_raw(explain).await?;
        rows.iter()
            .map(|row| match self.backend() {
                Backend::Sqlite => Ok(row.try_get::<String>("", "detail")?),
                Backend::Postgres => Ok(row
                    .try_get::<serde_json::Value>("", "QUERY PLAN")?
                    .to_string()),
                Backend::MySql => {
                    let text = |col: &str| -> Result<String, DbError> {
                        Ok(row.try_get::<Option<String>>("", col)?.unwrap_or_default())
                    };
                    Ok(format!(
                        "select_type={} table={} type={} key={}",
                        text("select_type")?,
                        text("table")?,
                        text("type")?,
                        text("key")?
                    ))
                }
            })
            .collect()
    }
}
