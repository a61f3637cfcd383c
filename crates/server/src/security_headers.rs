//! Owns the security headers every response carries: a strict Content-Security-Policy (no
//! inline script or style; the API docs page needs inline styles), no framing, no MIME
//! sniffing, a conservative referrer policy and no powerful browser features; answers to
//! requests with credentials are not cached. A route that set its own value (file serving,
//! static assets) keeps it.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The pages' policy; images may also come from `img_origins` (the files origin, and the
/// bucket when browsers are redirected to S3).
pub fn page_policy(img_origins: &[String]) -> HeaderValue {
    // Serialised URL origins are visible ASCII; anything else is left out rather than let it
    // break the header.
    let files: String = img_origins
        .iter()
        .filter(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_graphic()))
        .map(|o| format!(" {o}"))
        .collect();
    let csp = format!(
        "default-src 'self'; img-src 'self'{files} data: blob:; style-src 'self'; \
         script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    );
    // Only visible ASCII went in, so this cannot fail; were it to, nothing loads at all.
    HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

const CSP_DOCS: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
    script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the headers; `csp` is the pages' policy ([`page_policy`]).
pub async fn add(State(csp): State<HeaderValue>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let docs = path == "/api/docs" || path.starts_with("/api/docs/");
    let personal = is_personal(req.headers(), path);
    let mut res = next.run(req).await;
    let csp = if docs {
        HeaderValue::from_static(CSP_DOCS)
    } else {
        csp
    };
    apply(res.headers_mut(), csp, personal);
    res
}

/// A request with credentials may get an answer made for that person (an email address,
/// private titles): no shared cache may keep it, nor the browser after sign-out.
pub fn is_personal(headers: &HeaderMap, path: &str) -> bool {
    [header::COOKIE, header::AUTHORIZATION]
        .iter()
        .any(|h| headers.contains_key(h))
        || headers.contains_key("x-api-key")
        // The Chevereto endpoint may take its key in the query or body; its answer carries a
        // delete link.
        || path.starts_with("/api/1/")
}

/// Sets every header the answer has not set itself.
pub fn apply(h: &mut HeaderMap, csp: HeaderValue, personal: bool) {
    if personal {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("private, no-store"));
    }
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(csp);
    let mut set = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    );
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
}
