//! Owns connecting to the database: SQLite (WAL, busy timeout, one writer connection and a
//! small reader pool) or PostgreSQL (one pool), and running migrations.

use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, SqlxPostgresConnector, SqlxSqliteConnector};
use sea_orm_migration::MigratorTrait;

use crate::DbError;
use crate::migration::Migrator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle to the database. Cheap to clone. On SQLite every write goes through one
/// connection so writers queue in-process instead of failing with SQLITE_BUSY.
#[derive(Debug, Clone)]
pub struct Db {
    pub(crate) read: DatabaseConnection,
    pub(crate) write: DatabaseConnection,
    backend: Backend,
}

impl Db {
    /// Connects to `sqlite://PATH` (created when missing) or `postgres://...`.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(|e| {
                    DbError::Database(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
                        e.into(),
                    )))
                })?;
            let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
            Ok(Self {
                read: conn.clone(),
                write: conn,
                backend: Backend::Postgres,
            })
        } else {
            Err(DbError::UnsupportedUrl(redact_url(url)))
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self, DbError> {
        let to_err = |e: sea_orm::sqlx::Error| {
            DbError::Database(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
                e.into(),
            )))
        };
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(to_err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit survives power loss, which an acknowledged upload promises.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .map_err(to_err)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.create_if_missing(false).read_only(true))
            .await
            .map_err(to_err)?;
        Ok(Self {
            read: SqlxSqliteConnector::from_sqlx_sqlite_pool(reader),
            write: SqlxSqliteConnector::from_sqlx_sqlite_pool(writer),
            backend: Backend::Sqlite,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations; returns how many were applied (0 when up to date).
    pub async fn migrate(&self) -> Result<usize, DbError> {
        let pending = Migrator::get_pending_migrations(&self.write).await?.len();
        Migrator::up(&self.write, None).await?;
        Ok(pending)
    }

    /// True when the schema is missing migrations this binary knows about.
    pub async fn pending_migrations(&self) -> Result<usize, DbError> {
        Ok(Migrator::get_pending_migrations(&self.write).await?.len())
    }

    /// A cheap round trip, for readiness probes.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.read.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    pub async fn close(self) {
        let _ = self.read.close().await;
        let _ = self.write.close().await;
    }
}

/// A database URL with its password replaced by `***`, for messages and `config print`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact_url("postgres://u:pw@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            super::redact_url("sqlite://./data/x.db"),
            "sqlite://./data/x.db"
        );
    }
}
