//! Files in S3 reach browsers the configured way, always after the access check: with
//! `serve = "presigned"` an allowed request is redirected to a short-lived signed URL and a
//! refused one gets the same 404 as ever; with `serve = "public"` only media anyone with the
//! link may see are sent to the public (CDN) address, the rest are streamed. Needs
//! VITRINE_TEST_S3_ENDPOINT.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, LOCATION};
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use vitrine_media::fixtures::png_rgb;
use vitrine_server::config::Config;
use vitrine_server::storage_config::{ServeMode, StorageBackend};

use crate::support::{Backend, TestApp};

pub fn use_s3(cfg: &mut Config, serve: ServeMode) -> bool {
    let Some(endpoint) = std::env::var("VITRINE_TEST_S3_ENDPOINT")
        .ok()
        .filter(|e| !e.is_empty())
    else {
        return false;
    };
    let s3 = &mut cfg.storage.s3;
    cfg.storage.backend = StorageBackend::S3;
    s3.bucket = std::env::var("VITRINE_TEST_S3_BUCKET").unwrap_or_else(|_| "vitrine-test".into());
    s3.endpoint = Some(endpoint.parse().unwrap());
    s3.path_style = true;
    s3.access_key_id = Some("test".into());
    s3.secret_access_key = Some("test".into());
    s3.prefix = format!("delivery-{}-{:?}/", std::process::id(), serve);
    s3.serve = serve;
    s3.public_base_url = Some("https://cdn.example.org/m/".parse().unwrap());
    true
}

async fn start(serve: ServeMode, name: &str) -> Option<TestApp> {
    let mut on = false;
    let app = TestApp::start_with(Backend::Sqlite, name, |cfg| on = use_s3(cfg, serve)).await?;
    if !on {
        eprintln!("skipped {name}: VITRINE_TEST_S3_ENDPOINT is not set");
        app.stop().await;
        return None;
    }
    Some(app)
}

async fn upload(c: &reqwest::Client, app: &TestApp, privacy: &str) -> Value {
    let form = Form::new()
        .part("file", Part::bytes(png_rgb(90, 60)).file_name("p.png"))
        .text("privacy", privacy.to_owned());
    let res = c
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The media page's CSP lets images come from `origin`.
async fn assert_img_src_allows(app: &TestApp, m: &Value, origin: &str) {
    let page = app
        .bare()
        .get(m["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    let img_src = csp
        .split(';')
        .find(|d| d.trim_start().starts_with("img-src"))
        .unwrap_or_default();
    assert!(
        img_src.split_whitespace().any(|s| s == origin),
        "{origin} not in {csp}"
    );
}

fn original(m: &Value) -> String {
    m["files"]["original"]["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn presigned_redirects_only_after_the_check() {
    let Some(app) = start(ServeMode::Presigned, "presigned").await else {
        return;
    };
    let owner = app.signup("sia").await;
    let public = upload(&owner, &app, "public").await;
    let private = upload(&owner, &app, "private").await;
    let anon = no_redirects();

    let res = anon.get(original(&public)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[CACHE_CONTROL], "private, no-store");
    let to = res.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to.contains("X-Amz-Signature"), "{to}");
    let bytes = reqwest::get(&to).await.unwrap().bytes().await.unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG"),
        "the signed URL serves the file"
    );
    // Pages allow images from the bucket the browser is sent to (CSP applies to redirects).
    let bucket = reqwest::Url::parse(&to)
        .unwrap()
        .origin()
        .ascii_serialization();
    assert_img_src_allows(&app, &public, &bucket).await;

    // Refused requests learn nothing: no redirect, no signed URL.
    let res = anon.get(original(&private)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.headers().get(LOCATION).is_none());
    // The owner is let through to the bucket.
    let res = owner.get(original(&private)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let to = res.headers()[LOCATION].to_str().unwrap();
    assert!(to.contains("X-Amz-Signature"), "{to}");
    let bytes = reqwest::get(to).await.unwrap().bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    app.stop().await;
}

#[tokio::test]
async fn public_delivery_keeps_private_files_behind_vitrine() {
    let Some(app) = start(ServeMode::Public, "public_cdn").await else {
        return;
    };
    let owner = app.signup("pia").await;
    let public = upload(&owner, &app, "public").await;
    let private = upload(&owner, &app, "private").await;
    let anon = no_redirects();

    let res = anon.get(original(&public)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let to = res.headers()[LOCATION].to_str().unwrap();
    assert!(
        to.starts_with("https://cdn.example.org/m/delivery-"),
        "{to}"
    );
    assert!(to.contains("/originals/"), "{to}");
    assert_eq!(res.headers()[CACHE_CONTROL], "public, max-age=3600");
    assert_img_src_allows(&app, &public, "https://cdn.example.org").await;

    assert_eq!(
        anon.get(original(&private)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // The owner's private file is streamed by Vitrine from the bucket, with ranges.
    let res = owner
        .get(original(&private))
        .header("range", "bytes=0-3")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert!(res.headers().get(LOCATION).is_none());
    assert_eq!(&res.bytes().await.unwrap()[..], b"\x89PNG");
    app.stop().await;
}
