//! CSRF: cookie-authenticated unsafe requests must come from the site's own pages.

use serde_json::json;

use crate::support::{TestApp, error_code, me_status};

crate::backend_tests!(cross_site_requests_are_refused);

async fn cross_site_requests_are_refused(app: &TestApp) {
    let c = app.signup("nina").await;
    let post = |origin: Option<&str>, fetch_site: Option<&str>| {
        // A bare client carrying nina's cookie, with chosen headers.
        let mut req = app.bare().post(app.url("/api/v1/auth/logout"));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(s) = fetch_site {
            req = req.header("sec-fetch-site", s);
        }
        req
    };
    let cookie = {
        // Reuse the session cookie value from a fresh login.
        let res = app
            .bare()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "login": "nina", "password": "correct horse" }))
            .send()
            .await
            .unwrap();
        res.headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned()
    };
    for (origin, site) in [
        (Some("https://evil.example"), None),
        (Some("null"), None),
        (None, Some("cross-site")),
        (None, Some("same-site")),
        (None, None),
    ] {
        let res = post(origin, site)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "origin {origin:?} fetch-site {site:?}");
        assert_eq!(error_code(res).await, "csrf_failed");
    }
    // Web forms get the HTML error page.
    let res = app
        .bare()
        .post(app.url("/settings/api-keys"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .form(&[("name", "stolen")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    // Same-origin requests pass, and the session survived the refused attempts.
    let res = post(None, Some("same-origin"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        me_status(&c, app).await,
        200,
        "the other session is untouched"
    );
}
