//! Owns file serving: `/i/{id}.{ext}`, `/i/{id}.md.{ext}`, `/i/{id}.th.{ext}`. Every request
//! goes through the app's media visibility rule; responses carry the stored type, an ETag,
//! Last-Modified, long immutable caching, byte ranges (206/416), conditional 304s, a safe inline
//! filename and a sandboxing CSP in case a file is ever opened as a document.

use std::io::SeekFrom;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;
use vitrine_app::{AppError, FileRequest, FileToServe};
use vitrine_storage::{DirectUrl, StorageError};

use crate::auth::CurrentViewer;
use crate::file_cache::Cached;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/i/{name}", get(serve_file))
}

const FILE_CSP: &str =
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

fn plain(status: StatusCode, msg: &'static str) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], msg).into_response()
}

/// What a `Range` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAsk {
    /// No usable single range: send the whole file.
    Whole,
    /// Bytes `start..=end`.
    Part(u64, u64),
    Unsatisfiable,
}

pub fn parse_range(value: &str, size: u64) -> RangeAsk {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeAsk::Whole;
    };
    if spec.contains(',') {
        return RangeAsk::Whole; // several ranges: the whole file is a valid answer
    }
    let Some((start, end)) = spec.split_once('-') else {
        return RangeAsk::Unsatisfiable;
    };
    let (start, end) = (start.trim(), end.trim());
    let last = match size.checked_sub(1) {
        Some(l) => l,
        None => return RangeAsk::Unsatisfiable,
    };
    let range = if start.is_empty() {
        match end.parse::<u64>() {
            Ok(n) if n > 0 => (size.saturating_sub(n), last),
            _ => return RangeAsk::Unsatisfiable,
        }
    } else {
        let Ok(s) = start.parse::<u64>() else {
            return RangeAsk::Unsatisfiable;
        };
        let e = if end.is_empty() {
            last
        } else {
            match end.parse::<u64>() {
                Ok(e) => e.min(last),
                Err(_) => return RangeAsk::Unsatisfiable,
            }
        };
        (s, e)
    };
    if range.0 > range.1 || range.0 >= size {
        return RangeAsk::Unsatisfiable;
    }
    RangeAsk::Part(range.0, range.1)
}

fn http_date(secs: i64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64))
}

fn not_modified(headers: &HeaderMap, f: &FileToServe) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return inm
            .split(',')
            .any(|t| t.trim() == f.etag || t.trim() == "*");
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .is_some_and(|since| since.as_secs() as i64 >= f.last_modified.0)
}

fn content_disposition(filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(filename, percent_encoding::NON_ALPHANUMERIC);
    HeaderValue::from_str(&format!(
        "inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("inline"))
}

/// A signed file link: `?exp=UNIX&sig=HEX` (see `/api/v1/media/{id}/signed-urls`).
#[derive(Debug, serde::Deserialize)]
pub struct SignedQuery {
    exp: Option<i64>,
    sig: Option<String>,
}

pub async fn serve_file(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(name): Path<String>,
    Query(signed): Query<SignedQuery>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let Some(req) = FileRequest::parse(&name) else {
        return plain(StatusCode::NOT_FOUND, "not found");
    };
    let now = state.app.clock.now();
    // A signed link is checked every time (it expires); it never uses the cache.
    let plain_link = signed.exp.is_none() && signed.sig.is_none();
    let cached = match plain_link
        .then(|| state.file_cache.get(&name, now))
        .flatten()
    {
        Some(c) => c,
        None => match resolve(&state, &viewer, &req, &name, &signed, plain_link).await {
            Ok(c) => c,
            Err(res) => return res,
        },
    };
    respond(&state, &cached, &method, &headers).await
}

/// What the name serves to this viewer, kept in the node's cache when anyone may fetch it.
async fn resolve(
    state: &AppState,
    viewer: &vitrine_app::Viewer,
    req: &FileRequest,
    name: &str,
    signed: &SignedQuery,
    cacheable: bool,
) -> Result<Cached, Response> {
    let generation = state.file_cache.generation();
    let signed = match (signed.exp, signed.sig.as_deref()) {
        (Some(exp), Some(sig)) => match state.app.signature_valid(name, exp, sig).await {
            Ok(ok) => ok,
            Err(e) => return Err(crate::error::ApiError::from(e).into_response()),
        },
        _ => false,
    };
    let f = match state.app.file(viewer, req, signed).await {
        Ok(f) => f,
        Err(AppError::NotFound(_)) | Err(AppError::Validation(_)) => {
            return Err(plain(StatusCode::NOT_FOUND, "not found"));
        }
        Err(e) => {
            let api = crate::error::ApiError::from(e);
            return Err((
                api.status,
                [(header::CACHE_CONTROL, "no-store")],
                api.message,
            )
                .into_response());
        }
    };
    let cacheable = cacheable && f.shareable;
    // Small local files are read whole once, then answered from memory.
    let body = match &f.local_path {
        Some(path) if cacheable && state.file_cache.keeps_bytes(f.size) => tokio::fs::read(path)
            .await
            .ok()
            .filter(|b| b.len() as u64 == f.size)
            .map(Bytes::from),
        _ => None,
    };
    let cached = Cached {
        head: Arc::new(file_headers(&f)),
        file: Arc::new(f),
        body,
    };
    if cacheable {
        state
            .file_cache
            .put(name, generation, state.app.clock.now(), cached.clone());
    }
    Ok(cached)
}

async fn respond(
    state: &AppState,
    cached: &Cached,
    method: &Method,
    headers: &HeaderMap,
) -> Response {
    // Kept bytes are always of a local file, which no store hands out itself.
    if let Some(res) = from_memory(cached, method, headers) {
        return res;
    }
    let f = &*cached.file;
    // Allowed: an S3 store may hand the bytes out itself (presigned or public URL). Not for
    // HEAD: a URL signed for GET answers HEAD with 403, and the headers are ours to give.
    if *method == Method::GET {
        match state
            .app
            .storage
            .direct_url(&f.storage_key, f.shareable)
            .await
        {
            Ok(Some(direct)) => return redirect_to_store(&direct),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot sign a store URL; streaming instead"),
        }
    }
    let (status, h, start, len) = match plan(cached, method, headers) {
        Plan::Done(res) => return res,
        Plan::Send {
            status,
            head,
            start,
            len,
        } => (status, head, start, len),
    };
    let body = match open_body(state, f, start, len).await {
        Ok(b) => b,
        Err(StorageError::Unavailable(e)) => {
            tracing::error!(error = %e, key = %f.storage_key, "object store unavailable");
            return crate::error::ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the file store is unreachable; try again shortly",
            )
            .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, key = %f.storage_key, "cannot read a stored file");
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the file could not be read",
            );
        }
    };
    (status, h, body).into_response()
}

/// The headers of every answer for `f`; made once per cached file.
pub(crate) fn file_headers(f: &FileToServe) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(f.mime));
    if let Ok(v) = HeaderValue::from_str(&f.etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(f.last_modified.0)) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if f.shareable {
            "public, max-age=31536000, immutable"
        } else {
            "private, no-cache"
        }),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(&f.filename),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(FILE_CSP),
    );
    h
}

/// What to answer: a complete answer (304, 416, HEAD), or a status, headers and the bytes to
/// send.
enum Plan {
    Done(Response),
    Send {
        status: StatusCode,
        head: HeaderMap,
        start: u64,
        len: u64,
    },
}

fn plan(cached: &Cached, method: &Method, headers: &HeaderMap) -> Plan {
    let f = &*cached.file;
    let mut h = (*cached.head).clone();
    if not_modified(headers, f) {
        return Plan::Done((StatusCode::NOT_MODIFIED, h).into_response());
    }
    let if_range_ok = headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == f.etag);
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) if if_range_ok => match parse_range(r, f.size) {
            RangeAsk::Whole => None,
            RangeAsk::Part(s, e) => Some((s, e)),
            RangeAsk::Unsatisfiable => {
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", f.size)) {
                    h.insert(header::CONTENT_RANGE, v);
                }
                return Plan::Done((StatusCode::RANGE_NOT_SATISFIABLE, h).into_response());
            }
        },
        _ => None,
    };
    let (status, start, len) = match range {
        Some((s, e)) => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {s}-{e}/{}", f.size)) {
                h.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, s, e - s + 1)
        }
        None => (StatusCode::OK, 0, f.size),
    };
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if *method == Method::HEAD {
        return Plan::Done((status, h).into_response());
    }
    Plan::Send {
        status,
        head: h,
        start,
        len,
    }
}

/// The answer from kept bytes, without waiting on anything; `None` when the bytes are not
/// kept.
pub(crate) fn from_memory(
    cached: &Cached,
    method: &Method,
    headers: &HeaderMap,
) -> Option<Response> {
    let bytes = cached.body.as_ref()?;
    Some(match plan(cached, method, headers) {
        Plan::Done(res) => res,
        Plan::Send {
            status,
            head,
            start,
            len,
        } => {
            let part = bytes.slice(start as usize..(start + len) as usize);
            (status, head, Body::from(part)).into_response()
        }
    })
}

fn redirect_to_store(direct: &DirectUrl) -> Response {
    let Ok(location) = HeaderValue::from_str(&direct.url) else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "bad store URL");
    };
    let cache = if direct.lasting {
        "public, max-age=3600"
    } else {
        "private, no-store"
    };
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
    )
        .into_response()
}

/// Streams from the local file when there is one (no buffering), else from the store (also
/// when a migration has not brought the local file yet).
async fn open_body(
    state: &AppState,
    f: &FileToServe,
    start: u64,
    len: u64,
) -> Result<Body, StorageError> {
    if let Some(path) = &f.local_path {
        match tokio::fs::File::open(path).await {
            Ok(mut file) => {
                if start > 0 {
                    file.seek(SeekFrom::Start(start)).await?;
                }
                return Ok(Body::from_stream(ReaderStream::with_capacity(
                    file.take(len),
                    64 * 1024,
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
    }
    if len == 0 {
        return Ok(Body::empty());
    }
    let stream = state
        .app
        .storage
        .stream_range(&f.storage_key, start..start + len)
        .await?;
    Ok(Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        use super::RangeAsk::*;
        assert_eq!(parse_range("bytes=0-9", 100), Part(0, 9));
        assert_eq!(parse_range("bytes=90-", 100), Part(90, 99));
        assert_eq!(parse_range("bytes=-10", 100), Part(90, 99));
        assert_eq!(parse_range("bytes=50-500", 100), Part(50, 99));
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=9-3", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=abc", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-0", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Whole);
        assert_eq!(parse_range("items=0-1", 100), Whole);
    }
}
