//! Owns the separate files origin (`files_url`). A request for that host gets uploaded files
//! (`GET`/`HEAD /i/...`) and nothing else, and is served without credentials: browsers send
//! the site's cookie only to the site, and a stray `Authorization` or API key is dropped, so
//! this origin shows exactly what anyone may see, or what a signed link allows. A file it may
//! not show (private, password-protected, hidden by its album, or missing) is sent back to
//! the same path on the site, where the viewer's session decides; both end the same way for
//! a stranger, so the redirect tells nothing.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use url::Url;

use crate::state::AppState;

/// `host[:port]` as a browser sends it in `Host` (the port only when not the scheme's default).
pub fn authority(u: &Url) -> String {
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

pub async fn route(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(files) = &state.config.files_url else {
        return next.run(req).await;
    };
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase)
        .or_else(|| {
            req.uri()
                .authority()
                .map(|a| a.as_str().to_ascii_lowercase())
        });
    if host.as_deref() != Some(authority(files).as_str()) {
        return next.run(req).await;
    }
    let is_file =
        req.uri().path().starts_with("/i/") && matches!(*req.method(), Method::GET | Method::HEAD);
    if !is_file {
        return (
            StatusCode::NOT_FOUND,
            "Not found: this host serves uploaded files only.\n",
        )
            .into_response();
    }
    for h in [header::COOKIE, header::AUTHORIZATION] {
        req.headers_mut().remove(h);
    }
    req.headers_mut().remove("x-api-key");
    let back = format!(
        "{}{}",
        state.base_url(),
        req.uri().path_and_query().map_or("/", |p| p.as_str())
    );
    let res = next.run(req).await;
    if res.status() != StatusCode::NOT_FOUND {
        return res;
    }
    let mut redirect = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(&back) {
        redirect.headers_mut().insert(header::LOCATION, v);
    }
    // Privacy can change at any time; the answer must not be remembered.
    redirect
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    redirect
}
