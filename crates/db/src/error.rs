//! Owns the crate's error type. A database failure is never turned into "not found".

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique value (named by the field) is already used by another row.
    #[error("{0} is already taken")]
    Conflict(&'static str),
    /// A stored value could not be read back into its domain type.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[source] DbErr),
    #[error("unsupported database URL (use sqlite://, postgres:// or mysql://): {0}")]
    UnsupportedUrl(String),
}

impl DbError {
    /// True when the database could not be reached or is going away (as opposed to a query
    /// failing): worth a 503 and a retry, since it recovers without a restart.
    pub fn is_unavailable(&self) -> bool {
        use sea_orm::sqlx::Error as E;
        let DbError::Database(err) = self else {
            return false;
        };
        if matches!(err, DbErr::Conn(_) | DbErr::ConnectionAcquire(_)) {
            return true;
        }
        match sqlx_error(err) {
            Some(E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed) => true,
            Some(E::Database(db)) => {
                let code = db.code().unwrap_or_default();
                // SQLite: still busy or locked after the busy timeout (primary codes 5 and 6,
                // whatever the extended code). PostgreSQL: connection exceptions (08…), too
                // many connections, shutting down or starting. MySQL: too many connections,
                // server shutting down.
                sqlite_primary(db.as_ref()).is_some_and(|c| c == 5 || c == 6)
                    || (db
                        .try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>()
                        .is_some()
                        && (code.starts_with("08")
                            || matches!(&*code, "53300" | "57P01" | "57P02" | "57P03")))
                    || mysql_number(db.as_ref()).is_some_and(|n| matches!(n, 1040 | 1053))
            }
            _ => false,
        }
    }

    /// True when the database's disk is full.
    pub fn is_full(&self) -> bool {
        let DbError::Database(err) = self else {
            return false;
        };
        match sqlx_error(err) {
            Some(sea_orm::sqlx::Error::Database(db)) => {
                // SQLite SQLITE_FULL (13), PostgreSQL disk_full (53100), MySQL "disk full"
                // (1021) and "table is full" (1114).
                sqlite_primary(db.as_ref()) == Some(13)
                    || db.code().is_some_and(|c| c == "53100")
                    || mysql_number(db.as_ref()).is_some_and(|n| matches!(n, 1021 | 1114))
            }
            Some(sea_orm::sqlx::Error::Io(io)) => io.raw_os_error() == Some(28),
            _ => false,
        }
    }
}

fn sqlx_error(err: &DbErr) -> Option<&sea_orm::sqlx::Error> {
    match err {
        DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// SQLite's primary result code (its extended codes add flags above the low byte).
fn sqlite_primary(db: &dyn sea_orm::sqlx::error::DatabaseError) -> Option<i64> {
    db.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()?;
    let code = db.code()?.parse::<i64>().ok()?;
    Some(code & 0xff)
}

/// MySQL reports its error number apart from the SQLSTATE that `code()` gives.
fn mysql_number(db: &dyn sea_orm::sqlx::error::DatabaseError) -> Option<u16> {
    db.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>()
        .map(sea_orm::sqlx::mysql::MySqlDatabaseError::number)
}

impl From<DbErr> for DbError {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(msg)) = err.sql_err() {
            // SQLite says "UNIQUE constraint failed: users.email", PostgreSQL names the
            // constraint "users_email_key", MySQL "Duplicate entry '…' for key 'email'": all
            // carry the column name (after the offending value, on MySQL).
            let msg = msg
                .rsplit_once(" for key ")
                .map_or(msg.as_str(), |(_, k)| k);
            for field in ["username", "email", "secret_hash"] {
                if msg.contains(field) {
                    return DbError::Conflict(field);
                }
            }
            return DbError::Conflict("value");
        }
        DbError::Database(err)
    }
}

impl From<vitrine_domain::ValidationError> for DbError {
    fn from(err: vitrine_domain::ValidationError) -> Self {
        DbError::Corrupt(err.to_string())
    }
}
