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
    #[error("the image took too long to process (over {secs} s)")]
    ProcessingTimedOut { secs: u64 },
    #[error("sign in to do this")]
    Unauthenticated,
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("this is in a password-protected album; enter its password first")]
    PasswordRequired { album: String },
    #[error("wrong album password")]
    WrongAlbumPassword,
    #[error("this profile is private")]
    ProfilePrivate,
    #[error("{0} is already taken")]
    Conflict(&'static str),
    #[error("sign-ups are closed on this site")]
    SignupsClosed,
    #[error("this setup link is invalid or has already been used")]
    SetupLinkInvalid,
    #[error(
        "password reset by e-mail is not set up on this site; ask an administrator to reset \
         your password"
    )]
    PasswordResetUnavailable,
    #[error(
        "this password reset link is invalid, has expired or was already used; ask for a new one"
    )]
    ResetLinkInvalid,
    #[error(
        "this sign-up link is invalid, has expired or was already used; sign up again for a new one"
    )]
    SignupLinkInvalid,
    /// At confirmation: the username, or the address, got an account since the request (the
    /// person confirming owns the address, so saying so tells nothing to a stranger).
    #[error("{}", taken_since_signup(.0))]
    TakenSinceSignup(&'static str),
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    #[error("{0}")]
    Media(#[from] vitrine_media::MediaError),
    #[error(
        "{} images are not accepted on this site; allowed: {}",
        format.label(),
        format_list(allowed)
    )]
    FormatNotAllowed {
        format: vitrine_media::Format,
        allowed: Vec<vitrine_media::Format>,
    },
    #[error("the file is too large; the limit is {}", human_size(*max_bytes))]
    TooLarge { max_bytes: u64 },
    #[error(transparent)]
    Storage(#[from] vitrine_storage::StorageError),
    #[error("uploading from a URL is not enabled for this account")]
    UrlUploadsDisabled,
    #[error("this URL cannot be used: {0}")]
    ForbiddenUrl(String),
    #[error("the URL could not be fetched: {0}")]
    FetchFailed(String),
    #[error("too many uploads in the last {window}; try again later")]
    FloodLimited {
        window: &'static str,
        retry_after_secs: i64,
    },
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

fn taken_since_signup(field: &str) -> &'static str {
    if field == "email" {
        "an account with this e-mail address exists already; log in, or use \"Forgot your \
         password?\""
    } else {
        "this username was taken since you signed up; sign up again with another one"
    }
}

/// `JPEG, PNG and GIF`.
pub fn format_list(formats: &[vitrine_media::Format]) -> String {
    let labels: Vec<&str> = formats.iter().map(|f| f.label()).collect();
    match labels.split_last() {
        None => "none".to_owned(),
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// `50 MB`, `512 KB`: limits as people read them.
fn human_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) || bytes >= 10 * MB {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}
