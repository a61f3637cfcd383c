//! HEIC and AVIF uploads end to end, and the decoder child's faults: a real HEIC (when
//! `heif-convert` is installed) is stored and served as JPEG through the API and the Chevereto
//! endpoint; a decoder that hangs is killed at the processing budget and the upload refused
//! cleanly (nothing stored, no process or scratch file left, the next upload works); one that
//! crashes is a clear 422; a site without the program says so.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::media::upload;
use crate::support::{Backend, TestApp, chevereto_upload, create_key, error_code, get_json};

const HEIC: &[u8] = include_bytes!("../../../media/tests/fixtures/quadrants.heic");
const AVIF: &[u8] = include_bytes!("../../../media/tests/fixtures/quadrants.avif");

fn heif_convert_installed() -> bool {
    let found = vitrine_server::media_tools::find_program("heif-convert").is_some();
    if !found {
        assert!(
            std::env::var("VITRINE_TEST_REQUIRE_HEIF").is_err(),
            "VITRINE_TEST_REQUIRE_HEIF is set but heif-convert is not installed"
        );
        eprintln!("skipped: heif-convert is not installed (apt install libheif-examples)");
    }
    found
}

/// An executable script standing in for `heif-convert`, outside the site's data directory.
fn fake_decoder(dir: &Path, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-heif-convert");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn heic_and_avif_uploads_are_stored_and_served_as_jpeg() {
    if !heif_convert_installed() {
        return;
    }
    let app = TestApp::start(Backend::Sqlite, "heif_real")
        .await
        .expect("sqlite");
    let c = app.signup("iphoneuser").await;
    for (name, bytes) in [("IMG_0001.HEIC", HEIC), ("photo.avif", AVIF)] {
        let res = upload(&c, &app, bytes.to_vec(), name, &[]).await;
        assert_eq!(
            res.status(),
            201,
            "{name}: {}",
            res.text().await.unwrap_or_default()
        );
        let m: Value = res.json().await.unwrap();
        assert_eq!(
            (m["width"].as_u64(), m["height"].as_u64()),
            (Some(160), Some(120))
        );
        let original = m["files"]["original"]["url"].as_str().unwrap();
        assert!(original.ends_with(".jpg"), "{name}: {original}");
        let file = c.get(original).send().await.unwrap();
        assert_eq!(file.status(), 200);
        assert_eq!(file.headers()["content-type"], "image/jpeg");
        let body = file.bytes().await.unwrap();
        let img = image::load_from_memory(&body).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (160, 120));
        let thumb = m["files"]["thumb"]["url"].as_str().unwrap();
        assert_eq!(c.get(thumb).send().await.unwrap().status(), 200);
        // The media page shows it.
        let page = c.get(m["url"].as_str().unwrap()).send().await.unwrap();
        assert_eq!(page.status(), 200);
    }
    // The uploader's file picker offers .heic and .avif files (by extension too: some systems
    // give them no type).
    let page = c
        .get(app.url("/upload"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let accept = page
        .split("accept=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the file input's accept list");
    for want in [
        "image&#x2f;heic",
        ".heic",
        "image&#x2f;avif",
        ".avif",
        ".jpg",
    ] {
        assert!(accept.contains(want), "{want} not in {accept}");
    }
    let key = create_key(&c, &app).await;
    let (status, body) = chevereto_upload(&app, &key, HEIC, "IMG_0002.HEIC").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["image"]["extension"], "jpg", "{body}");
    assert_eq!(body["image"]["mime"], "image/jpeg", "{body}");
    let listed: Value = get_json(&c, app.url("/api/v1/me/media")).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
    assert!(entries(&app.data_dir().join("tmp")).is_empty());
    app.stop().await;
}

#[tokio::test]
async fn a_hanging_decoder_is_killed_at_the_budget_and_the_upload_refused() {
    let scripts = tempfile::tempdir().unwrap();
    let pids = scripts.path().join("pids");
    let program = fake_decoder(
        scripts.path(),
        &format!("sleep 600 &\necho $$ $! >> {}\nwait", pids.display()),
    );
    let app = TestApp::start_with(Backend::Sqlite, "heif_hang", |c| {
        c.heif_convert = program;
        c.processing_timeout_secs = 1.0;
    })
    .await
    .expect("sqlite");
    let c = app.signup("patient").await;
    let started = Instant::now();
    let res = upload(&c, &app, HEIC.to_vec(), "hangs.heic", &[]).await;
    let took = started.elapsed();
    assert_eq!(res.status(), 422);
    assert_eq!(error_code(res).await, "processing_timeout");
    assert!(took < Duration::from_secs(5), "{took:?}");
    let key = create_key(&c, &app).await;
    let (status, body) = chevereto_upload(&app, &key, AVIF, "hangs.avif").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too long"),
        "{body}"
    );

    // Both decoders and their children were killed, and they took their files with them.
    let deadline = Instant::now() + Duration::from_secs(5);
    let alive = |pid: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .is_some_and(|r| !r.trim_start().starts_with('Z'))
        })
    };
    let pids = std::fs::read_to_string(&pids).unwrap();
    let pids: Vec<&str> = pids.split_whitespace().collect();
    assert_eq!(pids.len(), 4, "{pids:?}");
    while pids.iter().any(|p| alive(p)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !pids.iter().any(|p| alive(p)),
        "a decoder process survived: {pids:?}"
    );
    while !entries(&app.data_dir().join("tmp")).is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(entries(&app.data_dir().join("tmp")), Vec::<String>::new());
    assert!(entries(&app.data_dir().join("media")).is_empty());
    let listed: Value = get_json(&c, app.url("/api/v1/me/media")).await;
    assert_eq!(listed["items"], serde_json::json!([]));

    // The processing slots were given back: an ordinary upload goes through at once.
    let png = vitrine_media::synth::photo_jpeg(320, 240, 1).unwrap();
    let res = upload(&c, &app, png, "fine.jpg", &[]).await;
    assert_eq!(res.status(), 201);
    app.stop().await;
}

#[tokio::test]
async fn a_crashing_decoder_or_none_at_all_is_a_clear_refusal() {
    let scripts = tempfile::tempdir().unwrap();
    let program = fake_decoder(scripts.path(), "kill -SEGV $$");
    let app = TestApp::start_with(Backend::Sqlite, "heif_crash", |c| c.heif_convert = program)
        .await
        .expect("sqlite");
    let c = app.signup("crashy").await;
    let res = upload(&c, &app, HEIC.to_vec(), "crash.heic", &[]).await;
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "corrupt_image", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("HEIC decoder"),
        "{v}"
    );
    assert!(entries(&app.data_dir().join("media")).is_empty());
    app.stop().await;

    let app = TestApp::start_with(Backend::Sqlite, "heif_none", |c| {
        c.heif_convert = String::new()
    })
    .await
    .expect("sqlite");
    let c = app.signup("nolibheif").await;
    let res = upload(&c, &app, AVIF.to_vec(), "photo.avif", &[]).await;
    assert_eq!(res.status(), 415);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "unsupported_format", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("heif-convert"),
        "{v}"
    );
    app.stop().await;
}
