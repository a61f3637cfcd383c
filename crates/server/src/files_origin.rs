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

use vitrine_app::FileRequest;

use crate::state::AppState;

/// `host[:port]` as a browser sends it in `Host` (the port only when not the scheme's default).
pub fn authority(u: &Url) -> String {
    let host = u.host_str().unwrap_or_default().to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    }
}

/// A `Host` header in [`authority`]'s form for a site of `scheme`: lower case, without a
/// trailing dot, and without the scheme's default port (which some proxies add).
fn normalise_host(host: &str, scheme: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    let default = if scheme == "https" { ":443" } else { ":80" };
    let host = host.strip_suffix(default).unwrap_or(&host);
    let (name, port) = match host.rsplit_once(':') {
        // A port: digits after the last colon, and that colon not inside an IPv6 literal.
        Some((n, p))
            if p.bytes().all(|b| b.is_ascii_digit()) && (!n.contains(':') || n.ends_with(']')) =>
        {
            (n, Some(p))
        }
        _ => (host, None),
    };
    let name = name.trim_end_matches('.');
    match port {
        Some(p) => format!("{name}:{p}"),
        None => name.to_owned(),
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
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .map(|h| normalise_host(h, files.scheme()));
    if host.as_deref() != Some(authority(files).as_str()) {
        return next.run(req).await;
    }
    // Only a well-formed file name is served, or sent back: the redirect must not make this
    // origin a way to reach other pages of the site.
    let is_file = matches!(*req.method(), Method::GET | Method::HEAD)
        && req
            .uri()
            .path()
            .strip_prefix("/i/")
            .filter(|name| !name.contains('/'))
            .and_then(FileRequest::parse)
            .is_some();
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
    // 404 (private, hidden or missing), 401/403 (a password album this origin cannot unlock):
    // the site, with the visitor's session, decides.
    if !matches!(
        res.status(),
        StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
    ) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_spellings_are_one_authority() {
        let u: Url = "https://files.example"
            .parse()
            .unwrap_or_else(|_| unreachable!());
        let want = authority(&u);
        assert_eq!(want, "files.example");
        for h in [
            "files.example",
            "FILES.example",
            "files.example.",
            "files.example:443",
        ] {
            assert_eq!(normalise_host(h, "https"), want, "{h}");
        }
        assert_ne!(normalise_host("files.example:8443", "https"), want);
        assert_ne!(normalise_host("files.example.evil", "https"), want);
        assert_eq!(
            normalise_host("files.example.:8080", "http"),
            "files.example:8080"
        );
        assert_eq!(normalise_host("[::1]:8080", "http"), "[::1]:8080");
        assert_eq!(normalise_host("[::1]:80", "http"), "[::1]");
    }
}
