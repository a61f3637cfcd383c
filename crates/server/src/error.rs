//! Owns the mapping of errors to HTTP, in one place: the JSON error shape
//! `{"error": {"code", "message"}}` for the API and an HTML page for the web.
//! Internal causes are logged (with the request id from the tracing span), never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use vitrine_app::AppError;

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<&'static str>,
    pub retry_after: Option<i64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }
}

/// The single table from app errors to status and code.
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        use StatusCode as S;
        let msg = err.to_string();
        let (status, code) = match &err {
            AppError::Validation(v) => {
                let mut e = ApiError::new(S::UNPROCESSABLE_ENTITY, "validation_failed", msg);
                e.field = Some(v.field);
                return e;
            }
            AppError::InvalidFields(v) => {
                let mut e = ApiError::new(S::UNPROCESSABLE_ENTITY, "validation_failed", msg);
                e.field = v.first().map(|f| f.field);
                return e;
            }
            AppError::InvalidCredentials => (S::UNAUTHORIZED, "invalid_credentials"),
            AppError::InvalidApiKey => (S::UNAUTHORIZED, "invalid_api_key"),
            AppError::Throttled { retry_after_secs } => {
                let mut e = ApiError::new(S::TOO_MANY_REQUESTS, "too_many_attempts", msg);
                e.retry_after = Some(*retry_after_secs);
                return e;
            }
            AppError::Banned => (S::FORBIDDEN, "account_banned"),
            AppError::Unauthenticated => (S::UNAUTHORIZED, "unauthenticated"),
            AppError::Forbidden => (S::FORBIDDEN, "forbidden"),
            AppError::NotFound(_) => (S::NOT_FOUND, "not_found"),
            AppError::PasswordRequired { album } => {
                return ApiError::new(
                    S::FORBIDDEN,
                    "album_password_required",
                    format!("{msg} (album {album}: POST /api/v1/albums/{album}/unlock)"),
                );
            }
            AppError::WrongAlbumPassword => (S::FORBIDDEN, "wrong_album_password"),
            AppError::ProfilePrivate => (S::FORBIDDEN, "profile_private"),
            AppError::Conflict("username") => (S::CONFLICT, "username_taken"),
            // Only where an admin or the operator creates a user: sign-up never says it.
            AppError::Conflict("email") => (S::CONFLICT, "email_taken"),
            AppError::Conflict(_) => (S::CONFLICT, "conflict"),
            AppError::SignupsClosed => (S::FORBIDDEN, "signups_closed"),
            AppError::SetupLinkInvalid => (S::NOT_FOUND, "setup_link_invalid"),
            AppError::PasswordResetUnavailable => (S::NOT_FOUND, "password_reset_unavailable"),
            AppError::ResetLinkInvalid => (S::GONE, "reset_link_invalid"),
            AppError::SignupLinkInvalid => (S::GONE, "signup_link_invalid"),
            AppError::TakenSinceSignup("username") => (S::CONFLICT, "username_taken"),
            AppError::TakenSinceSignup(_) => (S::CONFLICT, "address_registered"),
            AppError::WrongCurrentPassword => (S::FORBIDDEN, "wrong_current_password"),
            AppError::Media(m) => {
                let status = match m.code() {
                    "unsupported_format" | "empty_file" => S::UNSUPPORTED_MEDIA_TYPE,
                    "processing_failed" => S::INTERNAL_SERVER_ERROR,
                    _ => S::UNPROCESSABLE_ENTITY,
                };
                return ApiError::new(status, m.code(), msg);
            }
            AppError::ProcessingTimedOut { .. } => (S::UNPROCESSABLE_ENTITY, "processing_timeout"),
            AppError::FormatNotAllowed { .. } => (S::UNSUPPORTED_MEDIA_TYPE, "format_not_allowed"),
            AppError::TooLarge { .. } => (S::PAYLOAD_TOO_LARGE, "file_too_large"),
            AppError::UrlUploadsDisabled => (S::FORBIDDEN, "url_uploads_disabled"),
            AppError::ForbiddenUrl(_) => (S::UNPROCESSABLE_ENTITY, "forbidden_url"),
            AppError::FetchFailed(_) => (S::UNPROCESSABLE_ENTITY, "fetch_failed"),
            AppError::FloodLimited {
                retry_after_secs, ..
            } => {
                let mut e = ApiError::new(S::TOO_MANY_REQUESTS, "too_many_uploads", msg);
                e.retry_after = Some(*retry_after_secs);
                return e;
            }
            AppError::Storage(vitrine_storage::StorageError::NoSpace) => {
                tracing::error!(error = %err, "storage is full");
                return insufficient_storage();
            }
            AppError::Db(db) if db.is_full() => {
                tracing::error!(error = %err, "the database's disk is full");
                return insufficient_storage();
            }
            AppError::Storage(vitrine_storage::StorageError::Unavailable(_)) => {
                tracing::error!(error = %err, "object store unavailable");
                return ApiError::new(
                    S::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the file store is unreachable; try again shortly",
                );
            }
            AppError::Storage(_) => {
                tracing::error!(error = %err, "storage error");
                return ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "storage_error",
                    "the file could not be stored or read; try again",
                );
            }
            AppError::Db(db) if db.is_unavailable() => {
                tracing::error!(error = %err, "database unavailable");
                return ApiError::new(
                    S::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "the database is unreachable; try again shortly",
                );
            }
            AppError::Internal(_) | AppError::Db(_) => {
                tracing::error!(error = %err, "internal error");
                return ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "something went wrong on our side",
                );
            }
        };
        ApiError::new(status, code, msg)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field,
            },
        };
        let mut res = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

fn insufficient_storage() -> ApiError {
    ApiError::new(
        StatusCode::INSUFFICIENT_STORAGE,
        "insufficient_storage",
        "the server is out of storage space; try again later",
    )
}

pub type ApiResult<T> = Result<T, ApiError>;
