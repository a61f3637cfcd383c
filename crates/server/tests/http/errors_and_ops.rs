//! Error shapes for bad requests, unknown routes, health, readiness, metrics, request ids and
//! the committed OpenAPI document.

use serde_json::Value;

use crate::support::{TestApp, error_code};

crate::backend_tests!(
    bad_bodies_get_clear_errors,
    operations_endpoints_work,
    security_headers_on_every_route_family
);

async fn security_headers_on_every_route_family(app: &TestApp) {
    let c = app.bare();
    for path in [
        "/",
        "/login",
        "/api/v1/me",
        "/api/v1/nope",
        "/static/app.css",
        "/healthz",
        "/no/such/page",
        "/api/docs/",
    ] {
        let res = c.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: no inline scripts"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h.get("referrer-policy").is_some(), "{path}");
    }
    let res = c.get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(res.status(), 308);
}

async fn bad_bodies_get_clear_errors(app: &TestApp) {
    let c = app.browser();
    let url = app.url("/api/v1/auth/login");
    let res = c
        .post(&url)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(error_code(res).await, "malformed_json");
    let res = c
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"login\": 5}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(error_code(res).await, "invalid_body");
    let res = c
        .post(&url)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(error_code(res).await, "unsupported_media_type");
    let huge = format!(
        "{{\"login\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let res = c
        .post(&url)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(error_code(res).await, "payload_too_large");
    let res = c
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("login={}", "a".repeat(2 * 1024 * 1024)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "oversized forms too");

    let res = c.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(error_code(res).await, "not_found");
    let res = c.delete(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert_eq!(error_code(res).await, "method_not_allowed");
    let res = c.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.text().await.unwrap().contains("404"));
}

async fn operations_endpoints_work(app: &TestApp) {
    let c = app.bare();
    let res = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let id = res
        .headers()
        .get("x-request-id")
        .expect("request id")
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 16);
    let res = c.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = c
        .get(app.url("/healthz"))
        .header("x-request-id", "from-the-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["x-request-id"],
        "from-the-proxy",
        "an incoming id is kept"
    );

    c.get(app.url("/api/v1/me")).send().await.unwrap();
    let metrics = c
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "vitrine_http_requests_total{route=\"/api/v1/me\",method=\"GET\",status=\"401\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("vitrine_http_request_duration_seconds_bucket{route=\"/healthz\""),
        "{metrics}"
    );

    let spec: Value = c
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(spec["paths"]["/api/v1/me"]["get"].is_object());
    let docs = c.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

/// The committed OpenAPI document matches the code. Regenerate with
/// `VITRINE_BLESS=1 cargo test -p vitrine-server --test http openapi`.
#[test]
fn openapi_document_is_committed_and_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let current = vitrine_server::openapi::openapi_json();
    if std::env::var("VITRINE_BLESS").is_ok() {
        std::fs::write(&path, &current).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "docs/openapi.json is stale: run with VITRINE_BLESS=1 to regenerate"
    );
}
