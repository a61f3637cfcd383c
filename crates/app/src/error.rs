//! Owns the app error: what went wrong in terms a client can act on. The server maps each
//! variant to an HTTP status and a stable code in exactly one place.

use vitrine_db::DbError;
use vitrine_domain::ValidationError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Validation(#[from] ValidationError),
    /// Several fields are invalid at once (forms show each next to its field).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    InvalidFields(Vec<ValidationError>),
    #[error("wrong username/e-mail or password")]
    InvalidCredentials,
    #[error("the API key is invalid or has been revoked")]
    InvalidApiKey,
    #[error("too many failed attempts; try again in {} minutes", (retry_after_secs + 59) / 60)]
    Throttled { retry_after_secs: i64 },
    #[error("this account is banned")]
    Banned,
    #[error("sign in to do this")]
    Unauthenticated,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0} is already taken")]
    Conflict(&'static str),
    #[error("sign-ups are closed on this site")]
    SignupsClosed,
    #[error("this setup link is invalid or has already been used")]
    SetupLinkInvalid,
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("{0}")]
    Media(#[from] vitrine_media::MediaError),
    #[error("the file is too large; the limit is {} MB", max_bytes / (1024 * 1024))]
    TooLarge { max_bytes: u64 },
    #[error(transparent)]
    Storage(#[from] vitrine_storage::StorageError),
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Db(DbError),
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Conflict(field) => AppError::Conflict(field),
            other => AppError::Db(other),
        }
    }
}
