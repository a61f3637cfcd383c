//! Owns receiving an upload: the multipart body is streamed to a temp file (never held whole
//! in memory) while counting bytes and hashing; it stops at the byte limit with 413. Text
//! fields are small and few. The temp file is removed when the `Received` value is dropped,
//! whatever happened in between.

use std::path::{Path, PathBuf};

use axum::extract::Multipart;
use axum::extract::multipart::Field;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::ApiError;

const MAX_TEXT_FIELD: usize = 64 * 1024;
const MAX_FIELDS: usize = 32;

/// A temp file that deletes itself.
#[derive(Debug)]
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The received upload: the file on disk and the form's text fields.
#[derive(Debug)]
pub struct Received {
    pub file: TempFile,
    pub size: u64,
    pub sha256: String,
    pub filename: String,
    pub fields: Vec<(String, String)>,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn bad(status: StatusCode, code: &'static str, msg: impl Into<String>) -> ApiError {
    ApiError::new(status, code, msg)
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
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

fn too_large(max: u64) -> ApiError {
    bad(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        format!(
            "the file is too large; the limit is {} MB",
            max / (1024 * 1024)
        ),
    )
}

fn random_name() -> String {
    let mut b = [0u8; 12];
    let _ = getrandom::fill(&mut b);
    format!("upload-{}", hex::encode(b))
}

/// Streams one file field to `dir`, refusing more than `max_bytes`.
async fn save_file(
    mut field: Field<'_>,
    dir: &Path,
    max_bytes: u64,
) -> Result<(TempFile, u64, String), ApiError> {
    let temp = TempFile(dir.join(random_name()));
    let io = |e: std::io::Error| {
        if e.raw_os_error() == Some(28) || e.kind() == std::io::ErrorKind::StorageFull {
            bad(
                StatusCode::INSUFFICIENT_STORAGE,
                "insufficient_storage",
                "the server is out of disk space; try again later",
            )
        } else {
            tracing::error!(error = %e, "cannot write an upload temp file");
            bad(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "something went wrong on our side",
            )
        }
    };
    let mut out = tokio::fs::File::create(temp.path()).await.map_err(io)?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        size += chunk.len() as u64;
        if size > max_bytes {
            return Err(too_large(max_bytes));
        }
        hasher.update(&chunk);
        out.write_all(&chunk).await.map_err(io)?;
    }
    out.flush().await.map_err(io)?;
    Ok((temp, size, hex::encode(hasher.finalize())))
}

/// Reads the form: the file field named one of `file_fields`, and small text fields.
pub async fn receive(
    mut multipart: Multipart,
    file_fields: &[&str],
    dir: &Path,
    max_bytes: u64,
) -> Result<Received, ApiError> {
    let mut file = None;
    let mut fields = Vec::new();
    let mut count = 0;
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
        if file_fields.contains(&name.as_str()) && field.file_name().is_some() {
            if file.is_some() {
                return Err(bad(
                    StatusCode::BAD_REQUEST,
                    "malformed_multipart",
                    "send one file per upload",
                ));
            }
            let filename = field.file_name().unwrap_or_default().to_owned();
            let (temp, size, sha256) = save_file(field, dir, max_bytes).await?;
            file = Some((temp, size, sha256, filename));
        } else {
            let mut field = field;
            let mut value = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                value.extend_from_slice(&chunk);
                if value.len() > MAX_TEXT_FIELD {
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
    let Some((file, size, sha256, filename)) = file else {
        return Err(bad(
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_file",
            format!(
                "no file was sent (use the form field `{}`)",
                file_fields.first().copied().unwrap_or("file")
            ),
        ));
    };
    Ok(Received {
        file,
        size,
        sha256,
        filename,
        fields,
    })
}
