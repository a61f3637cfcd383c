//! Owns CSRF protection. Unsafe requests (POST, PUT, PATCH, DELETE) not authenticated by an
//! API key must come from our own pages: `Sec-Fetch-Site` must say so, or `Origin` must be the
//! site's origin. A request carrying the session cookie with neither header is refused, since
//! its origin cannot be verified; cookie-less clients (curl logging in) pass.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{is_api_path, presented_api_key};
use crate::cookies;
use crate::error::ApiError;
use crate::state::AppState;
use crate::web_error::WebError;

fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization())
}

/// Decides whether an unsafe request is same-origin. `site_origin` is the public origin.
pub fn allowed(headers: &HeaderMap, site_origin: &str, scheme: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host_origin = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(|h| format!("{scheme}://{h}"));
        return origin == site_origin
            || host_origin.is_some_and(|h| origin_of(&h).as_deref() == Some(origin));
    }
    cookies::session_token(headers).is_none()
}

pub async fn protect(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let safe = matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if safe || presented_api_key(req.headers()).is_some() {
        return next.run(req).await;
    }
    let base = state.base_url();
    let site_origin = origin_of(&base).unwrap_or(base);
    let scheme = if state.config.is_https() {
        "https"
    } else {
        "http"
    };
    if allowed(req.headers(), &site_origin, scheme) {
        return next.run(req).await;
    }
    let msg = "cross-site request refused: this request did not come from this site's pages";
    if is_api_path(req.uri().path()) {
        ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", msg).into_response()
    } else {
        WebError::new(StatusCode::FORBIDDEN, msg).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn decisions() {
        let site = "http://127.0.0.1:8080";
        let cookie = ("cookie", "vitrine_session=abc");
        assert!(allowed(
            &headers(&[("sec-fetch-site", "same-origin"), cookie]),
            site,
            "http"
        ));
        assert!(!allowed(
            &headers(&[("sec-fetch-site", "cross-site"), cookie]),
            site,
            "http"
        ));
        assert!(!allowed(
            &headers(&[("sec-fetch-site", "same-site"), cookie]),
            site,
            "http"
        ));
        assert!(allowed(
            &headers(&[("origin", "http://127.0.0.1:8080"), cookie]),
            site,
            "http"
        ));
        assert!(!allowed(
            &headers(&[("origin", "https://evil.example"), cookie]),
            site,
            "http"
        ));
        assert!(!allowed(
            &headers(&[("origin", "null"), cookie]),
            site,
            "http"
        ));
        assert!(allowed(
            &headers(&[
                ("origin", "http://localhost:8080"),
                ("host", "localhost:8080"),
                cookie
            ]),
            site,
            "http"
        ));
        assert!(!allowed(&headers(&[cookie]), site, "http"));
        assert!(allowed(&headers(&[]), site, "http"));
    }
}
