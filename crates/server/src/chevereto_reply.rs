//! Owns the answers of the Chevereto-compatible upload endpoint, exactly as CHEVERETO_API.md
//! describes them: the success document (media object under `image`, or under `data` in imgBB
//! mode), the error document with the contract's numeric codes (HTTP 400 for handled errors),
//! and the `txt` and `redirect` formats. This is the endpoint's own error mapping: the
//! contract's codes are not the native API's.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use vitrine_app::{AppError, Uploaded};
use vitrine_db::{MediaFiles, VariantRecord};
use vitrine_storage::StorageError;

use crate::error::ApiError;
use crate::media_urls;

/// The `format` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Txt,
    Redirect,
}

impl Format {
    pub fn parse(v: Option<&str>) -> Self {
        match v.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            Some("txt") => Format::Txt,
            Some("redirect") => Format::Redirect,
            _ => Format::Json,
        }
    }
}

/// A contract error: its code and message, and the HTTP status (400 unless it is ours).
#[derive(Debug)]
pub struct ChevError {
    pub status: StatusCode,
    pub code: u16,
    pub message: String,
}

impl ChevError {
    pub fn new(code: u16, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    /// The database is down: worth retrying soon, unlike our other failures.
    fn unavailable() -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: 503,
            message: "The service is unavailable, try again shortly".to_owned(),
        }
    }

    fn internal() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: 500,
            message: "internal error, try again later".to_owned(),
        }
    }
}

pub fn file_too_big(max_bytes: u64) -> ChevError {
    ChevError::new(
        400,
        format!("File too big - max {} MB", max_bytes.div_ceil(1024 * 1024)),
    )
}

impl From<AppError> for ChevError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::InvalidApiKey => ChevError::new(100, "Invalid API v1 key"),
            AppError::Unauthenticated => {
                ChevError::new(401, "Uploads are not allowed for this requester")
            }
            AppError::Banned => ChevError::new(401, "This account is banned"),
            AppError::UrlUploadsDisabled => ChevError::new(403, "URL uploading is disabled"),
            AppError::FloodLimited { window, .. } => ChevError::new(
                130,
                format!("Flood protection: too many uploads in the last {window}"),
            ),
            AppError::TooLarge { max_bytes } => file_too_big(max_bytes),
            AppError::Storage(StorageError::NoSpace) => {
                tracing::error!("storage is full");
                ChevError::new(104, "No space left on the storage")
            }
            e @ (AppError::Media(_)
            | AppError::ProcessingTimedOut { .. }
            | AppError::FormatNotAllowed { .. }
            | AppError::ForbiddenUrl(_)
            | AppError::FetchFailed(_)
            | AppError::Validation(_)
            | AppError::InvalidFields(_)) => ChevError::new(400, capitalise(&e.to_string())),
            e => {
                // Logged by the native mapping (with the request id), then hidden.
                ChevError::from(ApiError::from(e))
            }
        }
    }
}

/// Errors raised while receiving the body (shared with the native API).
impl From<ApiError> for ChevError {
    fn from(e: ApiError) -> Self {
        match e.code {
            "insufficient_storage" => ChevError::new(104, "No space left on the storage"),
            "database_unavailable" | "storage_unavailable" => ChevError::unavailable(),
            _ if e.status.is_server_error() => ChevError::internal(),
            _ => ChevError::new(400, capitalise(&e.message)),
        }
    }
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn error_response(e: ChevError, format: Format) -> Response {
    match format {
        Format::Json => {
            let status_txt = e.status.canonical_reason().unwrap_or("Error");
            let body = json!({
                "status_code": e.status.as_u16(),
                "error": {"message": e.message, "code": e.code},
                "status_txt": status_txt,
            });
            (e.status, axum::Json(body)).into_response()
        }
        Format::Txt | Format::Redirect => (
            e.status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            e.message,
        )
            .into_response(),
    }
}

/// `1.5 MB`, `832 KB`, `120 B`.
fn size_formatted(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

fn mime(ext: &str) -> &'static str {
    vitrine_media::Format::from_extension(ext).map_or("application/octet-stream", |f| f.mime())
}

/// `2026-11-27 21:30:00` (UTC), as the contract's dates look.
fn date(t: vitrine_domain::Timestamp) -> String {
    t.to_rfc3339()
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_owned()
}

fn file_object(name: &str, ext: &str, url: String, size: u64) -> Value {
    json!({
        "filename": format!("{name}.{ext}"),
        "name": name,
        "mime": mime(ext),
        "extension": ext,
        "url": url,
        "size": size,
    })
}

fn variant_object(
    links: &media_urls::Links,
    f: &MediaFiles,
    v: Option<&VariantRecord>,
    tag: &str,
) -> Value {
    match v {
        Some(v) => {
            let name = format!("{}.{tag}", f.media.public_id);
            file_object(&name, &v.ext, media_urls::variant(links, f, v), v.size)
        }
        None => json!({
            "filename": null, "name": null, "mime": null, "extension": null, "url": null,
            "size": null,
        }),
    }
}

/// The media object of the contract.
pub fn media_object(links: &media_urls::Links, up: &Uploaded) -> Value {
    let base = links.site.as_str();
    let f = &up.files;
    let m = &f.media;
    let id = m.public_id.as_str();
    let ext = f.blob.ext.as_str();
    let url = media_urls::original(links, f);
    let viewer = media_urls::viewer(base, id);
    let find = |n: &str| f.variants.iter().find(|v| v.name == n);
    let medium = variant_object(links, f, find("medium"), "md");
    let display_url = medium["url"]
        .as_str()
        .map_or_else(|| url.clone(), str::to_owned);
    json!({
        "id_encoded": id,
        "name": id,
        "extension": ext,
        "filename": format!("{id}.{ext}"),
        "mime": mime(ext),
        "original_filename": m.original_filename,
        "title": m.title,
        "description": m.description,
        "tags": f.tags,
        "nsfw": u8::from(m.nsfw),
        "size": f.blob.size,
        "size_formatted": size_formatted(f.blob.size),
        "width": m.width,
        "height": m.height,
        "date": date(m.created_at),
        "date_gmt": date(m.created_at),
        "expiration_date_gmt": m.expires_at.map(date),
        "md5": f.blob.md5,
        "url": url,
        "url_viewer": viewer,
        "url_short": viewer,
        "display_url": display_url,
        "delete_url": media_urls::delete(base, id, &up.delete_token),
        "image": file_object(id, ext, url.clone(), f.blob.size),
        "thumb": variant_object(links, f, find("thumb"), "th"),
        "medium": medium,
    })
}

/// The success answer in the requested format; `imgbb` when the client sent `image`.
pub fn success_response(
    links: &media_urls::Links,
    up: &Uploaded,
    imgbb: bool,
    format: Format,
) -> Response {
    let base = links.site.as_str();
    let mut object = media_object(links, up);
    match format {
        Format::Txt => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            media_urls::original(links, &up.files),
        )
            .into_response(),
        // 302, as the clients of this contract expect (not 303).
        Format::Redirect => (
            StatusCode::FOUND,
            [(
                header::LOCATION,
                media_urls::viewer(base, up.files.media.public_id.as_str()),
            )],
        )
            .into_response(),
        Format::Json if imgbb => {
            object["id"] = json!(up.files.media.public_id.as_str());
            axum::Json(json!({
                "status_code": 200,
                "success": {"message": "image uploaded", "code": 200},
                "data": object,
                "status_txt": "OK",
                "status": 200,
            }))
            .into_response()
        }
        Format::Json => axum::Json(json!({
            "status_code": 200,
            "success": {"message": "image uploaded", "code": 200},
            "image": object,
            "status_txt": "OK",
        }))
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_formats() {
        assert_eq!(size_formatted(120), "120 B");
        assert_eq!(size_formatted(499_597), "487.9 KB");
        assert_eq!(size_formatted(5 * 1024 * 1024), "5.0 MB");
        assert_eq!(Format::parse(Some("TXT")), Format::Txt);
        assert_eq!(Format::parse(Some("redirect")), Format::Redirect);
        assert_eq!(Format::parse(Some("xml")), Format::Json);
        assert_eq!(Format::parse(None), Format::Json);
        assert_eq!(date(vitrine_domain::Timestamp(0)), "1970-01-01 00:00:00");
    }
}
