//! Owns receiving an upload form: the file part is streamed to a temp file (never held whole
//! in memory) while counting bytes and hashing, and stops at the byte limit with 413. Text
//! fields are small and few, except the ones named as large (base64 sources). The temp file is
//! removed when the received value is dropped, whatever happened in between.

use std::path::Path;

use axum::extract::Multipart;
use axum::extract::multipart::Field;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use vitrine_app::TempFile;

use crate::error::ApiError;

pub const MAX_TEXT_FIELD: usize = 64 * 1024;
const MAX_FIELDS: usize = 32;

/// A received file part.
#[derive(Debug)]
pub struct ReceivedFile {
    pub file: TempFile,
    pub size: u64,
    pub sha256: String,
    pub filename: String,
    /// The form field it came in.
    pub field: String,
}

/// The received form: at most one file and the text fields.
#[derive(Debug)]
pub struct Form {
    pub file: Option<ReceivedFile>,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to accept.
#[derive(Debug, Clone, Copy)]
pub struct FormSpec<'a> {
    /// Fields that may carry the file.
    pub file_fields: &'a [&'a str],
    /// Text fields that may be as large as a file (base64 encoded).
    pub large_fields: &'a [&'a str],
    pub max_bytes: u64,
    /// A field that must come before any file or large field (the key, when it is in the
    /// body): nothing large is read for a request that has not shown it yet.
    pub required_first: Option<&'a str>,
}

fn bad(status: StatusCode, code: &'static str, msg: impl Into<String>) -> ApiError {
    ApiError::new(status, code, msg)
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if crate::http_server::is_body_stalled(&e) {
        return stalled();
    }
    let status = e.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return bad(status, "payload_too_large", "the request body is too large");
    }
    bad(
        StatusCode::BAD_REQUEST,
        "malformed_multipart",
        format!("the upload form could not be read: {}", e.body_text()),
    )
}

/// The client stopped sending the body it announced.
pub fn stalled() -> ApiError {
    bad(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        "the upload stopped arriving; try again",
    )
}

pub fn too_large(max: u64) -> ApiError {
    ApiError::from(vitrine_app::AppError::TooLarge { max_bytes: max })
}

/// Maps a temp-file write error: disk full is the client's 507, anything else is ours.
pub fn io_error(e: std::io::Error) -> ApiError {
    if e.raw_os_error() == Some(28) || e.kind() == std::io::ErrorKind::StorageFull {
        ApiError::from(vitrine_app::AppError::Storage(
            vitrine_storage::StorageError::NoSpace,
        ))
    } else {
        tracing::error!(error = %e, "cannot write an upload temp file");
        bad(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side",
        )
    }
}

/// Streams one file field to `dir`, refusing more than `max_bytes`.
async fn save_file(
    mut field: Field<'_>,
    dir: &Path,
    max_bytes: u64,
) -> Result<(TempFile, u64, String), ApiError> {
    let temp = TempFile::new_in(dir);
    let mut out = tokio::fs::File::create(temp.path())
        .await
        .map_err(io_error)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size += chunk.len() as u64;
        if size > max_bytes {
            return Err(too_large(max_bytes));
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(io_error)?;
    }
    out.flush().await.map_err(io_error)?;
    Ok((temp, size, hex::encode(hasher.finalize())))
}

/// Writes bytes received some other way (base64) to a temp file in `dir`.
pub async fn save_bytes(bytes: &[u8], dir: &Path) -> Result<(TempFile, String), ApiError> {
    let temp = TempFile::new_in(dir);
    tokio::fs::write(temp.path(), bytes)
        .await
        .map_err(io_error)?;
    Ok((temp, hex::encode(Sha256::digest(bytes))))
}

/// Reads the form: one file in one of `spec.file_fields`, and text fields.
pub async fn receive_form(
    mut multipart: Multipart,
    spec: FormSpec<'_>,
    dir: &Path,
) -> Result<Form, ApiError> {
    let mut file: Option<ReceivedFile> = None;
    let mut fields = Vec::new();
    let mut count = 0;
    // Base64 is 4/3 of the bytes, plus line breaks some encoders add.
    let large_limit =
        usize::try_from(spec.max_bytes / 3 * 4 + spec.max_bytes / 38 + 1024).unwrap_or(usize::MAX);
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        count += 1;
        if count > MAX_FIELDS {
            return Err(bad(
                StatusCode::BAD_REQUEST,
                "malformed_multipart",
                "too many form fields",
            ));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let large = spec.large_fields.contains(&name.as_str())
            || spec.file_fields.contains(&name.as_str()) && field.file_name().is_some();
        if let Some(first) = spec.required_first
            && large
            && !fields.iter().any(|(k, _): &(String, String)| k == first)
        {
            return Err(bad(
                StatusCode::BAD_REQUEST,
                "key_after_file",
                format!("send the `{first}` field before the file (or the key in a header)"),
            ));
        }
        if spec.file_fields.contains(&name.as_str()) && field.file_name().is_some() {
            if file.is_some() {
                return Err(bad(
                    StatusCode::BAD_REQUEST,
                    "malformed_multipart",
                    "send one file per upload",
                ));
            }
            let filename = field.file_name().unwrap_or_default().to_owned();
            let (temp, size, sha256) = save_file(field, dir, spec.max_bytes).await?;
            // A browser form whose file input was left empty still sends an empty, nameless
            // part: that is no file (the form may carry a URL instead).
            if size == 0 && filename.is_empty() {
                continue;
            }
            file = Some(ReceivedFile {
                file: temp,
                size,
                sha256,
                filename,
                field: name,
            });
        } else {
            let limit = if spec.large_fields.contains(&name.as_str()) {
                large_limit
            } else {
                MAX_TEXT_FIELD
            };
            let mut field = field;
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                value.extend_from_slice(&chunk);
                if value.len() > limit {
                    if limit == large_limit {
                        return Err(too_large(spec.max_bytes));
                    }
                    return Err(bad(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "field_too_large",
                        format!("the field `{name}` is too long"),
                    ));
                }
            }
            fields.push((name, String::from_utf8_lossy(&value).into_owned()));
        }
    }
    Ok(Form { file, fields })
}
