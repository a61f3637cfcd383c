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
    /// True when the database could not be reached (as opposed to a query failing).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            DbError::Database(DbErr::Conn(_) | DbErr::ConnectionAcquire(_))
        )
    }
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
