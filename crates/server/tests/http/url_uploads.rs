//! URL uploads and their SSRF defences: sources pointing at loopback, private, link-local,
//! metadata and IPv4-mapped addresses, `localhost`, odd IP spellings and a redirect to loopback
//! are all refused without any connection to the forbidden address; a public-looking host
//! (pinned to a local test server by the test-only `url_fetch.test_hosts` setting) is fetched,
//! with redirects, size and status checked. Also who may upload from URLs.

use std::sync::atomic::Ordering;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use reqwest::multipart::Form;
use serde_json::Value;
use vitrine_media::fixtures::*;

use crate::support::{Backend, TestApp, create_key, error_code, origin, set_upload_settings, trap};

const PHOTOS: &str = "photos.example.test";

async fn start() -> TestApp {
    TestApp::start_with(Backend::Sqlite, "url_uploads", |c| {
        c.url_fetch
            .test_hosts
            .insert(PHOTOS.to_owned(), "127.0.0.1".parse().unwrap());
        c.url_fetch.timeout_secs = 5;
    })
    .await
    .unwrap()
}

fn jpeg_photo() -> Vec<u8> {
    jpeg(&JpegSpec {
        width: 1500,
        height: 1000,
        ..Default::default()
    })
}

/// A remote image host with a few paths, one of which redirects to `forbidden`.
async fn image_host(forbidden: String) -> u16 {
    let big = forbidden.clone();
    let router = axum::Router::new()
        .route(
            "/cat.jpg",
            get(|| async { ([(header::CONTENT_TYPE, "image/jpeg")], jpeg_photo()) }),
        )
        .route(
            "/hop1",
            get(|| async { axum::response::Redirect::temporary("/hop2") }),
        )
        .route(
            "/hop2",
            get(|| async { axum::response::Redirect::temporary("/cat.jpg") }),
        )
        .route(
            "/loop",
            get(|| async { axum::response::Redirect::temporary("/loop") }),
        )
        .route(
            "/to-forbidden",
            get(move || async move { axum::response::Redirect::temporary(&forbidden) }),
        )
        .route(
            "/missing",
            get(|| async { StatusCode::NOT_FOUND.into_response() }),
        )
        .route(
            "/huge",
            get(move || async move {
                let _ = &big;
                vec![0xFFu8; 3 * 1024 * 1024]
            }),
        );
    origin(router).await.port()
}

async fn chevereto_get(app: &TestApp, key: &str, source: &str) -> (u16, Value) {
    let res = reqwest::Client::new()
        .get(app.url("/api/1/upload"))
        .query(&[("key", key), ("source", source), ("format", "json")])
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn ssrf_targets_are_refused_without_connecting() {
    let app = start().await;
    let admin = app.admin("operator").await;
    let key = create_key(&admin, &app).await;
    let trap = trap().await;
    let p = trap.port;
    let host_port = image_host(format!("http://127.0.0.1:{p}/x.jpg")).await;
    let redirect_to_localhost = image_host(format!("http://localhost:{p}/x.jpg")).await;
    let targets = [
        format!("http://127.0.0.1:{p}/x.jpg"),
        format!("http://[::1]:{p}/x.jpg"),
        "http://10.0.0.1/x.jpg".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        format!("http://[::ffff:127.0.0.1]:{p}/x.jpg"),
        format!("http://localhost:{p}/x.jpg"),
        format!("http://2130706433:{p}/x.jpg"),
        format!("http://0177.0.0.1:{p}/x.jpg"),
        format!("http://0x7f.0.0.1:{p}/x.jpg"),
        format!("http://127.1:{p}/x.jpg"),
        format!("http://{PHOTOS}:{host_port}/to-forbidden"),
        format!("http://{PHOTOS}:{redirect_to_localhost}/to-forbidden"),
        format!("ftp://{PHOTOS}:{host_port}/cat.jpg"),
    ];
    for url in &targets {
        let (status, v) = chevereto_get(&app, &key, url).await;
        assert_eq!(
            (status, v["error"]["code"].as_u64()),
            (400, Some(400)),
            "{url}: {v}"
        );
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains("not allowed")
                || msg.contains("may not connect")
                || msg.contains("only http"),
            "{url}: {msg}"
        );
    }
    // The same through the native API.
    for url in &targets[..3] {
        let form = Form::new().text("url", url.clone());
        let res = admin
            .post(app.url("/api/v1/media"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{url}");
        assert_eq!(error_code(res).await, "forbidden_url");
    }
    assert_eq!(
        trap.connections.load(Ordering::SeqCst),
        0,
        "no connection reached the forbidden address"
    );
    app.stop().await;
}

#[tokio::test]
async fn allowed_hosts_are_fetched_with_limits() {
    let app = start().await;
    let admin = app.admin("operator").await;
    let key = create_key(&admin, &app).await;
    let port = image_host("http://127.0.0.1:9/".into()).await;
    let url = format!("http://{PHOTOS}:{port}/cat.jpg");
    let (status, v) = chevereto_get(&app, &key, &url).await;
    assert_eq!(status, 200, "{v}");
    let image = &v["image"];
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(1500), Some(1000))
    );
    assert_eq!(image["original_filename"], "cat.jpg");
    let served = reqwest::get(image["url"].as_str().unwrap())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(image::load_from_memory(&served).unwrap().width(), 1500);
    // Two redirects are followed; a loop is not.
    let (status, v) = chevereto_get(&app, &key, &format!("http://{PHOTOS}:{port}/hop1")).await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = chevereto_get(&app, &key, &format!("http://{PHOTOS}:{port}/loop")).await;
    assert_eq!(status, 400);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("redirects"),
        "{v}"
    );
    // A missing file and one over the size limit.
    let (_, v) = chevereto_get(&app, &key, &format!("http://{PHOTOS}:{port}/missing")).await;
    assert!(
        v["error"]["message"].as_str().unwrap().contains("404"),
        "{v}"
    );
    set_upload_settings(&app, |s| {
        s.max_bytes = 1024 * 1024;
        s.guest_max_bytes = 1024 * 1024;
    })
    .await;
    let (_, v) = chevereto_get(&app, &key, &format!("http://{PHOTOS}:{port}/huge")).await;
    assert_eq!(v["error"]["message"], "File too big - max 1 MB");
    set_upload_settings(&app, |s| *s = vitrine_app::UploadSettings::default()).await;

    // Users need the site's permission; guests never fetch.
    let user = app.signup("plain").await;
    let user_key = create_key(&user, &app).await;
    let (_, v) = chevereto_get(&app, &user_key, &url).await;
    assert_eq!(v["error"]["code"], 403);
    let res = user
        .post(app.url("/api/v1/media"))
        .multipart(Form::new().text("url", url.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(error_code(res).await, "url_uploads_disabled");
    set_upload_settings(&app, |s| s.url_uploads_for_users = true).await;
    let res = user
        .post(app.url("/api/v1/media"))
        .multipart(
            Form::new()
                .text("url", url.clone())
                .text("title", "Fetched"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let m: Value = res.json().await.unwrap();
    assert_eq!(m["title"], "Fetched");
    set_upload_settings(&app, |s| {
        s.guest_uploads = true;
        s.guest_api_key = "guest-key-for-the-forum".into();
    })
    .await;
    let (_, v) = chevereto_get(&app, "guest-key-for-the-forum", &url).await;
    assert_eq!(v["error"]["code"], 403);
    assert_eq!(
        std::fs::read_dir(app.data_dir().join("tmp"))
            .unwrap()
            .count(),
        0,
        "no temp files left"
    );
    app.stop().await;
}
