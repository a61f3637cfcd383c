//! Response headers per route family: the security headers of `security_headers.rs` with their
//! exact values on one representative of every family (pages, API, docs, oEmbed, Chevereto,
//! files, static assets, ops, redirects and errors), files served with the type the server
//! determined, session cookies `HttpOnly` and `SameSite`, and the caching the code intends for
//! private data.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use vitrine_media::fixtures::*;

use crate::support::{
    Backend, TestApp, create_key, get_json, login, post_form, set_upload_settings,
};

crate::backend_tests!(
    every_route_family_has_the_security_headers,
    files_keep_the_type_the_server_determined,
    session_cookies_are_http_only_and_same_site,
    private_data_is_not_cached,
    chevereto_preflight_answers_any_origin,
);

const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; \
    script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";
const CSP_DOCS: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' \
    'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";
const CSP_FILE: &str =
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";
/// Every response but the CSP: (header, exact value).
const FIXED: [(&str, &str); 5] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
];

/// One representative per route family: who asks (`tool`: no cookies), method, path (`{id}`
/// and the like are the fixture's), status, CSP (`page`, `docs` or `file`), content type it
/// starts with (`-`: any).
const ROUTES: &str = "
    anon  GET    /                                    200 page text/html
    user  GET    /                                    200 page text/html
    anon  GET    /image/{id}                          200 page text/html
    anon  GET    /album/{album}                       200 page text/html
    anon  GET    /ursula                              200 page text/html
    anon  GET    /delete/{delete}                     200 page text/html
    user  GET    /settings                            200 page text/html
    anon  GET    /settings                            303 page -
    user  GET    /albums                              200 page text/html
    user  GET    /upload                              200 page text/html
    admin GET    /admin                               200 page text/html
    admin GET    /admin/users                         200 page text/html
    admin GET    /admin/settings                      200 page text/html
    admin GET    /admin/uploads                       200 page text/html
    user  GET    /admin                               403 page text/html
    anon  GET    /login                               200 page text/html
    anon  GET    /signup                              200 page text/html
    anon  GET    /forgot-password                     404 page text/html
    anon  GET    /reset/not-a-link                    410 page text/html
    anon  POST   /api/v1/auth/password-reset          415 page application/json
    anon  GET    /site.css                            200 page text/css
    anon  GET    /api/v1/media                        200 page application/json
    anon  GET    /api/v1/media/{id}                   200 page application/json
    user  GET    /api/v1/me                           200 page application/json
    anon  GET    /api/v1/me                           401 page application/json
    anon  GET    /api/v1/nope                         404 page application/json
    user  PUT    /api/v1/me                           405 page application/json
    anon  GET    /api/v1/media/{id}/embed             200 page application/json
    anon  GET    /api/v1/openapi.json                 200 page application/json
    anon  GET    /api/docs                            303 docs -
    anon  GET    /api/docs/                           200 docs text/html
    anon  GET    /api/docs/swagger-initializer.js     200 docs -
    anon  GET    /oembed?url={viewer}                 200 page application/json
    anon  GET    /oembed?url={viewer}&format=xml      501 page application/json
    tool  POST   /api/1/upload                        400 page application/json
    tool  GET    /api/2/upload                        400 page application/json
    anon  GET    {original}                           200 file image/jpeg
    anon  HEAD   {original}                           200 file image/jpeg
    anon  GET    {medium}                             200 file image/
    anon  GET    {thumb}                              200 file image/
    anon  GET    /i/nope.jpg                          404 page text/plain
    anon  GET    /static/app.css                      200 page text/css
    anon  GET    /static/app.js                       200 page text/javascript
    anon  GET    /static/favicon.svg                  200 page image/svg+xml
    anon  GET    /static/nope.css                     404 page text/plain
    anon  GET    /favicon.ico                         308 page -
    anon  GET    /healthz                             200 page text/plain
    anon  GET    /readyz                              200 page text/plain
    anon  GET    /metrics                             200 page text/plain
    anon  GET    /no/such/page                        404 page text/html
    anon  DELETE /login                               405 page text/html
";

/// The security headers, each exactly once with its exact value, and the CSP's rules: no
/// inline or eval'd script anywhere, `'unsafe-inline'` only for styles (API docs, files),
/// framing refused.
fn assert_security_headers(h: &HeaderMap, csp: &str, what: &str) {
    let one = |name: &str| {
        let all: Vec<&str> = h
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(all.len(), 1, "{what}: {name} {all:?}");
        all[0].to_owned()
    };
    assert_eq!(one("content-security-policy"), csp, "{what}");
    for (name, value) in FIXED {
        assert_eq!(one(name), value, "{what}: {name}");
    }
    for directive in csp.split(';').map(str::trim) {
        let (name, sources) = directive.split_once(' ').unwrap_or((directive, ""));
        let inline = sources.contains("'unsafe-inline'");
        assert!(!inline || name == "style-src", "{what}: {directive}");
        let loose = ["'unsafe-eval'", "*", "data:", "http:", "https:"];
        let script = name == "script-src" || name == "default-src";
        assert!(
            !script || !loose.iter().any(|l| sources.split(' ').any(|s| s == *l)),
            "{what}: {directive}"
        );
    }
    let sandboxed = csp.contains("default-src 'none'") && csp.ends_with("sandbox");
    assert!(
        sandboxed || csp.contains("frame-ancestors 'none'"),
        "{what}: {csp}"
    );
}

fn header(h: &HeaderMap, name: &str) -> String {
    h.get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn upload(c: &reqwest::Client, app: &TestApp, bytes: Vec<u8>, name: &str) -> Value {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let res = c
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "upload {name}");
    res.json().await.unwrap()
}

fn photo() -> Vec<u8> {
    jpeg(&JpegSpec {
        width: 2000,
        height: 1000,
        ..Default::default()
    })
}

async fn every_route_family_has_the_security_headers(app: &TestApp) {
    let admin = app.admin("chief").await;
    let user = app.signup("ursula").await;
    let key = create_key(&user, app).await;
    let m = upload(&user, app, photo(), "p.jpg").await;
    let id = m["id"].as_str().unwrap();
    let album: Value = user
        .post(app.url("/api/v1/albums"))
        .json(&json!({ "title": "Trip" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let aid = album["id"].as_str().unwrap();
    let delete = m["delete_url"]
        .as_str()
        .unwrap()
        .split_once("/delete/")
        .unwrap()
        .1;
    let file = |k: &str| m["files"][k]["url"].as_str().unwrap().to_owned();
    let (anon, tool) = (app.bare(), reqwest::Client::new());
    let viewer = m["url"].as_str().unwrap();
    let vars = [
        ("{id}", id.to_owned()),
        ("{album}", aid.to_owned()),
        ("{delete}", delete.to_owned()),
        ("{viewer}", viewer.to_owned()),
        ("{original}", file("original")),
        ("{medium}", file("medium")),
        ("{thumb}", file("thumb")),
    ];
    for row in ROUTES.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let f: Vec<&str> = row.split_whitespace().collect();
        let [who, method, path, status, csp, ct] = f[..] else {
            panic!("{row}")
        };
        let c = match who {
            "anon" => &anon,
            "user" => &user,
            "admin" => &admin,
            _ => &tool,
        };
        let path = vars
            .iter()
            .fold(path.to_owned(), |p, (k, v)| p.replace(k, v));
        let url = if path.starts_with("http") {
            path
        } else {
            app.url(&path)
        };
        let csp = match csp {
            "page" => CSP,
            "docs" => CSP_DOCS,
            _ => CSP_FILE,
        };
        let res = c
            .request(method.parse().unwrap(), &url)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_str(), status, "{row}");
        let h = res.headers();
        assert_security_headers(h, csp, row);
        let ct = ct.trim_start_matches('-');
        assert!(
            header(h, "content-type").starts_with(ct),
            "{row}: {:?}",
            h.get("content-type")
        );
        if ct == "text/html" {
            // Pages carry no inline script: the CSP would block it anyway.
            let html = res.text().await.unwrap();
            for (i, _) in html.match_indices("<script") {
                let tag = &html[i..i + html[i..].find('>').unwrap()];
                assert!(tag.contains(" src="), "{row}: an inline script: {tag}");
            }
        }
    }

    // Uploads of every kind, success and error.
    let form = Form::new().part("source", Part::bytes(photo()).file_name("c.jpg"));
    let req = tool
        .post(app.url("/api/1/upload"))
        .header("x-api-key", &key)
        .multipart(form);
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200, "Chevereto upload");
    assert_security_headers(res.headers(), CSP, "Chevereto upload");
    assert_eq!(header(res.headers(), "access-control-allow-origin"), "*");
    let res = user
        .post(app.url("/api/v1/media"))
        .multipart(Form::new().text("title", "no file"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "upload without a file");
    assert_security_headers(res.headers(), CSP, "422 upload");
    let huge = json!({ "login": "a".repeat(2 * 1024 * 1024), "password": "x" });
    let res = anon
        .post(app.url("/api/v1/auth/login"))
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "a body over the form limit");
    assert_security_headers(res.headers(), CSP, "413");
    let res = anon
        .get(file("original"))
        .header("range", "bytes=9999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
    assert_security_headers(res.headers(), CSP_FILE, "416");
    let res = anon
        .get(file("original"))
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_security_headers(res.headers(), CSP_FILE, "206");
    let etag = header(res.headers(), "etag");
    let res = anon
        .get(file("original"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_security_headers(res.headers(), CSP_FILE, "304");
    // No route allows framing: there is no embeddable player page (oEmbed answers `photo`).
    let o: Value = get_json(&anon, app.url(&format!("/oembed?url={viewer}"))).await;
    assert_eq!((o["type"].as_str(), o.get("html")), (Some("photo"), None));
}

async fn files_keep_the_type_the_server_determined(app: &TestApp) {
    let c = app.signup("fiona").await;
    // A JPEG that is also an HTML document, sent as HTML under an HTML name.
    let mut polyglot = jpeg(&JpegSpec::default());
    polyglot.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let part = Part::bytes(polyglot)
        .file_name("page.html")
        .mime_str("text/html")
        .unwrap();
    let res = c
        .post(app.url("/api/v1/media"))
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let m: Value = res.json().await.unwrap();
    // A GIF named like an SVG, and a PNG named like a script.
    let gif = upload(&c, app, gif_animated(40, 30, 2), "vector.svg").await;
    let png = upload(&c, app, png_rgb(40, 30), "run.js").await;
    for (media, want) in [(&m, "image/jpeg"), (&gif, "image/gif"), (&png, "image/png")] {
        for size in ["original", "medium", "small", "thumb"] {
            let Some(url) = media["files"][size]["url"].as_str() else {
                continue;
            };
            let res = app.bare().get(url).send().await.unwrap();
            assert_eq!(res.status(), 200, "{url}");
            let h = res.headers();
            let ct = header(h, "content-type");
            assert_eq!(
                Some(ct.as_str()),
                media["files"][size]["mime"].as_str(),
                "{url}: the type the API states"
            );
            assert!(
                ["image/jpeg", "image/png", "image/gif", "image/webp"].contains(&ct.as_str()),
                "{url}: {ct}"
            );
            if size == "original" {
                assert_eq!(ct, want, "{url}");
            }
            assert_security_headers(h, CSP_FILE, url);
            let disposition = header(h, "content-disposition");
            assert!(
                disposition.starts_with("inline; filename=\""),
                "{url}: {disposition}"
            );
            let ext = ct.trim_start_matches("image/").replace("jpeg", "jpg");
            assert!(
                disposition.contains(&format!(".{ext}\";")),
                "{url}: named by its real type: {disposition}"
            );
            let body = res.bytes().await.unwrap();
            assert!(
                !body.windows(7).any(|w| w == b"<script"),
                "{url}: the appended HTML is served"
            );
        }
    }
    // SVG (active content) is refused outright, whatever it is called.
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    for name in ["a.svg", "a.png"] {
        let form = Form::new().part(
            "file",
            Part::bytes(svg.clone())
                .file_name(name)
                .mime_str("image/svg+xml")
                .unwrap(),
        );
        let res = c
            .post(app.url("/api/v1/media"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{name}: {}", res.status());
        assert_security_headers(res.headers(), CSP, name);
    }
}

/// The cookie named `name` among the response's `Set-Cookie`s.
fn cookie(h: &HeaderMap, name: &str) -> String {
    let all = h.get_all("set-cookie").iter();
    let all: Vec<String> = all.map(|v| v.to_str().unwrap().to_owned()).collect();
    let found = all.iter().find(|c| c.starts_with(&format!("{name}=")));
    found
        .cloned()
        .unwrap_or_else(|| panic!("no {name} cookie in {all:?}"))
}

/// `name=<value>; <attrs>` with a random value; returns the value.
fn assert_cookie(set: &str, name: &str, attrs: &str) -> String {
    let (value, rest) = set
        .strip_prefix(&format!("{name}="))
        .unwrap()
        .split_once("; ")
        .unwrap();
    assert_eq!(rest, attrs, "{set}");
    value.to_owned()
}

async fn session_cookies_are_http_only_and_same_site(app: &TestApp) {
    const SESSION: &str = "Path=/; HttpOnly; SameSite=Lax";
    let signup =
        json!({ "username": "cora", "email": "cora@example.org", "password": "correct horse" });
    let c = app.browser();
    let res = c
        .post(app.url("/api/v1/auth/signup"))
        .json(&signup)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert!(
        assert_cookie(
            &cookie(res.headers(), "vitrine_session"),
            "vitrine_session",
            SESSION
        )
        .len()
            >= 32
    );
    let res = login(&c, app, "cora", "correct horse").await;
    assert_cookie(
        &cookie(res.headers(), "vitrine_session"),
        "vitrine_session",
        SESSION,
    );
    let body = json!({ "login": "cora", "password": "correct horse", "remember": true });
    let res = c
        .post(app.url("/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let remember = format!("{SESSION}; Max-Age={}", 30 * 24 * 3600);
    assert_cookie(
        &cookie(res.headers(), "vitrine_session"),
        "vitrine_session",
        &remember,
    );
    let res = post_form(
        &c,
        app.url("/login"),
        &[("login", "cora"), ("password", "correct horse")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_cookie(
        &cookie(res.headers(), "vitrine_session"),
        "vitrine_session",
        SESSION,
    );
    // The key shown once after creating it on the settings page.
    let res = post_form(&c, app.url("/settings/api-keys"), &[("name", "Laptop")]).await;
    let new_key = "Path=/settings; HttpOnly; SameSite=Strict; Max-Age=120";
    assert_cookie(
        &cookie(res.headers(), "vitrine_new_key"),
        "vitrine_new_key",
        new_key,
    );
    // An album password's grant.
    let body = json!({ "title": "Locked", "privacy": "password", "password": "letmein" });
    let album: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let unlock = format!("/album/{}/unlock", album["id"].as_str().unwrap());
    let res = post_form(&app.browser(), app.url(&unlock), &[("password", "letmein")]).await;
    assert_eq!(res.status(), 303);
    let ttl = vitrine_app::UNLOCK_TTL_SECS;
    assert_cookie(
        &cookie(res.headers(), "vitrine_unlock"),
        "vitrine_unlock",
        &format!("Path=/; HttpOnly; SameSite=Lax; Max-Age={ttl}"),
    );
    let res = c.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(
        cookie(res.headers(), "vitrine_session"),
        format!("vitrine_session=; {SESSION}; Max-Age=0")
    );

    // Behind https, every cookie is also `Secure`.
    let https = TestApp::start_with(Backend::Sqlite, "https_cookies", |c| {
        c.public_url = Some("https://img.example".parse().unwrap());
    })
    .await
    .unwrap();
    let input = vitrine_app::SignupInput {
        username: "sam".into(),
        email: "sam@example.org".into(),
        password: "correct horse".into(),
        password_confirm: None,
    };
    let system = vitrine_app::Actor::System;
    https
        .server
        .state
        .app
        .create_user(&system, &input, vitrine_domain::Role::User)
        .await
        .unwrap();
    let res = login(&https.bare(), &https, "sam", "correct horse").await;
    assert_eq!(res.status(), 200);
    assert_cookie(
        &cookie(res.headers(), "vitrine_session"),
        "vitrine_session",
        &format!("{SESSION}; Secure"),
    );
    https.stop().await;
}

async fn private_data_is_not_cached(app: &TestApp) {
    let c = app.signup("petra").await;
    let key = create_key(&c, app).await;
    let public = upload(&c, app, photo(), "p.jpg").await;
    let form = Form::new()
        .part("file", Part::bytes(png_rgb(30, 30)).file_name("s.png"))
        .text("privacy", "private");
    let private: Value = c
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cache = |h: &HeaderMap| header(h, "cache-control");
    let get = |c: &reqwest::Client, url: String| {
        let c = c.clone();
        async move { c.get(url).send().await.unwrap() }
    };
    // Files: public ones are immutable, a private one only for its viewer, errors never.
    let res = get(
        &c,
        public["files"]["original"]["url"].as_str().unwrap().into(),
    )
    .await;
    assert_eq!(cache(res.headers()), "public, max-age=31536000, immutable");
    let res = get(
        &c,
        private["files"]["original"]["url"].as_str().unwrap().into(),
    )
    .await;
    assert_eq!(
        (res.status().as_u16(), cache(res.headers())),
        (200, "private, no-cache".into())
    );
    let res = get(
        &app.bare(),
        private["files"]["original"]["url"].as_str().unwrap().into(),
    )
    .await;
    assert_eq!(
        (res.status().as_u16(), cache(res.headers())),
        (404, "no-store".into())
    );
    // Anything answered to a request with credentials stays out of shared caches and off
    // the disk; an anonymous page carries no such rule.
    let res = get(&c, app.url("/settings")).await;
    assert_eq!(
        cache(res.headers()),
        "private, no-store",
        "a signed-in page"
    );
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        cache(res.headers()),
        "private, no-store",
        "the API with a key"
    );
    let res = get(&reqwest::Client::new(), app.url("/")).await;
    assert_eq!(cache(res.headers()), "", "an anonymous page");
    // A secret shown once: the new-key page and the ShareX file.
    post_form(&c, app.url("/settings/api-keys"), &[("name", "Laptop")]).await;
    let res = get(&c, app.url("/settings")).await;
    assert_eq!(
        cache(res.headers()),
        "no-store",
        "the page showing a new key"
    );
    let res = reqwest::Client::new()
        .get(app.url("/api/v1/me/sharex"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(cache(res.headers()), "no-store", "the ShareX file");
    // A guest's upload page, with its delete link.
    set_upload_settings(app, |s| s.guest_uploads = true).await;
    let form = Form::new().part("file", Part::bytes(png_rgb(20, 20)).file_name("g.png"));
    let res = app
        .browser()
        .post(app.url("/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (res.status().as_u16(), cache(res.headers())),
        (200, "no-store".into())
    );
}

/// A response the timeout layer makes (a request slower than `request_timeout_secs`) sits
/// outside the security-headers layer.
#[tokio::test]
async fn a_request_timeout_has_the_security_headers() {
    let app = TestApp::start_with(Backend::Sqlite, "timeout_headers", |c| {
        c.http.request_timeout_secs = 1;
    })
    .await
    .unwrap();
    let c = app.signup("tim").await;
    let key = create_key(&c, &app).await;
    let head = format!(
        "POST /api/v1/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 100000\r\n\r\n\
         --XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n"
    );
    let mut s = tokio::net::TcpStream::connect(app.server.addr)
        .await
        .unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    // A body that keeps arriving (never idle) but takes longer than the request may.
    let mut out = Vec::new();
    for _ in 0..20 {
        if s.write_all(&[0x89; 100]).await.is_err() {
            break;
        }
        let mut buf = [0u8; 4096];
        match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 408"), "{text}");
    for (name, value) in FIXED {
        assert!(
            text.contains(&format!("\r\n{name}: {}\r\n", value.to_ascii_lowercase())),
            "{name} missing: {text}"
        );
    }
    assert!(
        text.contains("\r\ncontent-security-policy: "),
        "CSP missing: {text}"
    );
    // It says what happened, in the API's error shape.
    assert!(
        text.contains("\r\ncontent-type: application/json"),
        "{text}"
    );
    assert!(text.contains("\"request_timeout\""), "{text}");
    app.stop().await;
}

/// Browsers ask before a cross-origin upload with an `X-API-Key` header (the endpoint "answers
/// any origin"): the preflight must succeed and allow the header.
async fn chevereto_preflight_answers_any_origin(app: &TestApp) {
    let res = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, app.url("/api/1/upload"))
        .header("origin", "https://forum.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "x-api-key")
        .send()
        .await
        .unwrap();
    assert_security_headers(res.headers(), CSP, "Chevereto preflight");
    assert!(res.status().is_success(), "preflight: {}", res.status());
    let h = res.headers();
    assert_eq!(header(h, "access-control-allow-origin"), "*");
    assert!(
        header(h, "access-control-allow-methods").contains("POST"),
        "{h:?}"
    );
    assert!(
        header(h, "access-control-allow-headers")
            .to_ascii_lowercase()
            .contains("x-api-key"),
        "{h:?}"
    );
}
