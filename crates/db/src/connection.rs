//! Owns connecting to the database: SQLite (WAL, busy timeout, one writer connection and a
//! small reader pool), PostgreSQL or MariaDB/MySQL (one pool each), and running migrations.

use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::mysql::MySqlPoolOptions;
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, SqlxMySqlConnector, SqlxPostgresConnector,
    SqlxSqliteConnector,
};
use sea_orm_migration::MigratorTrait;

use crate::DbError;
use crate::migration::Migrator;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    /// MariaDB or MySQL.
    MySql,
}

impl Backend {
    /// The sea-query dialect for hand-written statements.
    pub(crate) fn dialect(self) -> sea_orm::DbBackend {
        match self {
            Backend::Sqlite => sea_orm::DbBackend::Sqlite,
            Backend::Postgres => sea_orm::DbBackend::Postgres,
            Backend::MySql => sea_orm::DbBackend::MySql,
        }
    }

    /// The first bind parameter in hand-written SQL.
    pub(crate) fn param1(self) -> &'static str {
        match self {
            Backend::Postgres => "$1",
            Backend::Sqlite | Backend::MySql => "?",
        }
    }

    /// The type to `CAST` computed integers to so they decode as `i64` everywhere
    /// (PostgreSQL may type them INT4; MySQL's CAST knows no BIGINT).
    pub(crate) fn bigint(self) -> &'static str {
        match self {
            Backend::MySql => "SIGNED",
            Backend::Sqlite | Backend::Postgres => "BIGINT",
        }
    }
}

fn conn_err(e: sea_orm::sqlx::Error) -> DbError {
    DbError::Database(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
        e.into(),
    )))
}

/// `url` as the MySQL driver wants it (`mariadb://` is our synonym), or `None` when it names
/// another kind of database.
pub(crate) fn mysql_url(url: &str) -> Option<String> {
    url.strip_prefix("mysql://")
        .or_else(|| url.strip_prefix("mariadb://"))
        .map(|rest| format!("mysql://{rest}"))
}

/// Whether `url` names a database this build can open.
pub fn supported_url(url: &str) -> bool {
    [
        "sqlite:",
        "postgres://",
        "postgresql://",
        "mysql://",
        "mariadb://",
    ]
    .iter()
    .any(|p| url.starts_with(p))
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
    /// Connects to `sqlite://PATH` (created when missing), `postgres://...` or
    /// `mysql://...` (`mariadb://` is accepted as a synonym).
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(conn_err)?;
            Ok(Self::shared(
                SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
                Backend::Postgres,
            ))
        } else if let Some(mysql) = mysql_url(url) {
            let pool = MySqlPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(&mysql)
                .await
                .map_err(conn_err)?;
            Ok(Self::shared(
                SqlxMySqlConnector::from_sqlx_mysql_pool(pool),
                Backend::MySql,
            ))
        } else {
            Err(DbError::UnsupportedUrl(redact_url(url)))
        }
    }

    /// One pool for reads and writes (servers with their own concurrency control).
    fn shared(conn: DatabaseConnection, backend: Backend) -> Self {
        Self {
            read: conn.clone(),
            write: conn,
            backend,
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self, DbError> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(conn_err)?
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
            .map_err(conn_err)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.create_if_missing(false).read_only(true))
            .await
            .map_err(conn_err)?;
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
        if self.backend == Backend::MySql {
            // Public ids are case-sensitive base62 and every other backend compares bytes:
            // tables created from here on take a binary collation (MySQL's default ignores
            // case, so `aB3` and `Ab3` would collide).
            self.write
                .execute_unprepared("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                .await?;
        }
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
