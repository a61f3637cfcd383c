//! Uploads and file serving over HTTP: the fixture set (accepted with the right dimensions and
//! no GPS in any served file, or refused with a clear code), HTTP caching, dedup, delete links,
//! expiry, limits, regeneration of lost derivatives, and owner rights.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use vitrine_media::fixtures::*;

use crate::support::{TestApp, error_code};

crate::backend_tests!(
    fixtures_are_accepted_or_refused_clearly,
    files_are_served_with_http_caching,
    same_bytes_share_one_blob,
    delete_link_confirms_then_deletes,
    expiring_media_disappear,
    upload_limits_and_auth,
    lost_derivatives_are_rebuilt,
    owners_edit_list_and_delete,
    animated_mediums_follow_as_a_job,
);

async fn animated_mediums_follow_as_a_job(app: &TestApp) {
    use image::AnimationDecoder;
    let c = app.signup("ani").await;
    for (name, bytes, ext) in [
        ("a.gif", gif_animated(1600, 900, 3), "gif"),
        ("a.webp", webp_animated(1600, 900, 3), "webp"),
    ] {
        let m: Value = upload(&c, app, bytes, name, &[])
            .await
            .json()
            .await
            .unwrap();
        assert!(
            m["files"]["medium"].is_null(),
            "{name}: made after the upload"
        );
        let id = m["id"].as_str().unwrap();
        app.run_jobs().await;
        let m: Value = c
            .get(app.url(&format!("/api/v1/media/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let md = &m["files"]["medium"];
        assert_eq!(
            (md["width"].as_u64(), md["height"].as_u64()),
            (Some(1280), Some(720)),
            "{name}"
        );
        let url = md["url"].as_str().unwrap();
        assert!(url.ends_with(&format!(".md.{ext}")), "{url}");
        let (status, body) = get_bytes(&c, url).await;
        assert_eq!(status, 200);
        let frames = match ext {
            "gif" => image::codecs::gif::GifDecoder::new(std::io::Cursor::new(body))
                .unwrap()
                .into_frames()
                .count(),
            _ => image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(body))
                .unwrap()
                .into_frames()
                .count(),
        };
        assert_eq!(frames, 3, "{name}: the medium keeps its animation");
    }
}

pub async fn upload(
    c: &reqwest::Client,
    app: &TestApp,
    bytes: Vec<u8>,
    filename: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(filename.to_owned()));
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    c.post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn get_bytes(c: &reqwest::Client, url: &str) -> (u16, Vec<u8>) {
    let res = c.get(url).send().await.unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                files_under(&e.path())
            } else {
                1
            }
        })
        .sum()
}

async fn fixtures_are_accepted_or_refused_clearly(app: &TestApp) {
    let c = app.signup("uploader").await;
    let jpeg_spec = |o: Option<u16>, gps: bool| {
        jpeg(&JpegSpec {
            width: 1600,
            height: 1200,
            orientation: o,
            gps,
            ..Default::default()
        })
    };
    let mut with_html = jpeg(&JpegSpec::default());
    with_html.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let mut with_zip = jpeg(&JpegSpec::default());
    with_zip.extend_from_slice(b"PK\x03\x04\x14\0\0\0secret");
    let truncated = jpeg(&JpegSpec::default())[..3000].to_vec();
    // (name, bytes, expected (width, height) or error (status, code))
    let accepted: Vec<(&str, Vec<u8>, (u64, u64))> = vec![
        ("plain.jpg", jpeg_spec(None, false), (1600, 1200)),
        ("rotated6.jpg", jpeg_spec(Some(6), false), (1200, 1600)),
        ("rotated8.jpg", jpeg_spec(Some(8), true), (1200, 1600)),
        ("gps.jpg", jpeg_spec(Some(1), true), (1600, 1200)),
        (
            "cmyk.jpg",
            jpeg(&JpegSpec {
                cmyk: true,
                ..Default::default()
            }),
            (640, 480),
        ),
        (
            "progressive.jpg",
            jpeg(&JpegSpec {
                progressive: true,
                ..Default::default()
            }),
            (640, 480),
        ),
        ("deep.png", png16_alpha(300, 200), (300, 200)),
        ("palette.png", png_palette_alpha(64, 64), (64, 64)),
        ("anim.gif", gif_animated(120, 80, 4), (120, 80)),
        ("anim.webp", webp_animated(100, 60, 3), (100, 60)),
        ("still.webp", webp_still(90, 70), (90, 70)),
        ("old.bmp", bmp(50, 40), (50, 40)),
        (
            "wrong-extension.gif",
            jpeg(&JpegSpec::default()),
            (640, 480),
        ),
        ("html-appended.jpg", with_html, (640, 480)),
        ("zip-appended.jpg", with_zip, (640, 480)),
    ];
    for (name, bytes, (w, h)) in accepted {
        let res = upload(&c, app, bytes, name, &[]).await;
        assert_eq!(
            res.status(),
            201,
            "{name}: {}",
            res.text().await.unwrap_or_default()
        );
        let m: Value = res.json().await.unwrap();
        assert_eq!(
            (m["width"].as_u64().unwrap(), m["height"].as_u64().unwrap()),
            (w, h),
            "{name}"
        );
        let mut urls = vec![
            m["files"]["original"]["url"].as_str().unwrap().to_owned(),
            m["files"]["thumb"]["url"].as_str().unwrap().to_owned(),
        ];
        if let Some(md) = m["files"]["medium"]["url"].as_str() {
            urls.push(md.to_owned());
        }
        for url in urls {
            let (status, body) = get_bytes(&c, &url).await;
            assert_eq!(status, 200, "{name}: {url}");
            assert!(
                !contains(&body, &gps_marker()),
                "{name}: GPS bytes served at {url}"
            );
            assert!(
                !contains(&body, b"<script>"),
                "{name}: appended HTML served at {url}"
            );
            assert!(
                !contains(&body, b"PK\x03\x04"),
                "{name}: appended ZIP served at {url}"
            );
        }
        if name == "old.bmp" {
            assert_eq!(m["mime"], "image/png", "BMP is stored as PNG");
        }
        if name == "wrong-extension.gif" {
            assert_eq!(m["mime"], "image/jpeg", "the content decides, not the name");
        }
    }
    let refused: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty.jpg", vec![], 415, "empty_file"),
        ("truncated.jpg", truncated, 422, "corrupt_image"),
        (
            "truncated.png",
            png_rgb(200, 100)[..300].to_vec(),
            422,
            "corrupt_image",
        ),
        (
            "script.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
            415,
            "unsupported_format",
        ),
        (
            "page.jpg",
            b"<!doctype html><script>alert(1)</script>".to_vec(),
            415,
            "unsupported_format",
        ),
        (
            "archive.png",
            b"PK\x03\x04\x14\0\0\0\0\0".to_vec(),
            415,
            "unsupported_format",
        ),
        (
            "bomb.png",
            png_header_only(50_000, 50_000),
            422,
            "image_too_large",
        ),
        ("frames.gif", gif_many_frames(3000), 422, "too_many_frames"),
    ];
    for (name, bytes, status, code) in refused {
        let res = upload(&c, app, bytes, name, &[]).await;
        assert_eq!(res.status(), status, "{name}");
        assert_eq!(error_code(res).await, code, "{name}");
        assert_eq!(
            c.get(app.url("/healthz")).send().await.unwrap().status(),
            200,
            "healthy after {name}"
        );
    }
    assert_eq!(
        files_under(&app.data_dir().join("tmp")),
        0,
        "no temp file is left behind"
    );
}

async fn files_are_served_with_http_caching(app: &TestApp) {
    let c = app.signup("cacher").await;
    let m: Value = upload(
        &c,
        app,
        jpeg(&JpegSpec {
            width: 1800,
            height: 1200,
            ..Default::default()
        }),
        "photo.jpg",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    let url = m["files"]["original"]["url"].as_str().unwrap().to_owned();
    let anon = app.bare();
    let res = anon.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    let full = res.bytes().await.unwrap();
    assert_eq!(h["content-type"], "image/jpeg");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(
        h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline; filename=\"photo.jpg\"")
    );
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let etag = h["etag"].to_str().unwrap().to_owned();
    let last_modified = h["last-modified"].to_str().unwrap().to_owned();

    let res = anon
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = anon
        .get(&url)
        .header("if-modified-since", &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    let res = anon
        .get(&url)
        .header("if-none-match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let res = anon
        .get(&url)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"].to_str().unwrap(),
        format!("bytes 10-19/{}", full.len())
    );
    assert_eq!(res.bytes().await.unwrap(), full.slice(10..20));
    let res = anon
        .get(&url)
        .header("range", "bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap(), full.slice(full.len() - 5..));
    let res = anon
        .get(&url)
        .header("range", format!("bytes={}-", full.len() + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
    assert_eq!(
        res.headers()["content-range"].to_str().unwrap(),
        format!("bytes */{}", full.len())
    );
    let res = anon.head(&url).send().await.unwrap();
    assert_eq!(
        res.headers()["content-length"].to_str().unwrap(),
        full.len().to_string()
    );

    let id = m["id"].as_str().unwrap();
    for bad in [
        format!("/i/{id}.png"),
        format!("/i/{id}.xx.jpg"),
        "/i/nope.jpg".to_owned(),
        "/i/..%2f..%2fetc.jpg".to_owned(),
    ] {
        assert_eq!(
            anon.get(app.url(&bad)).send().await.unwrap().status(),
            404,
            "{bad}"
        );
    }
    let viewer = anon
        .get(m["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // minijinja escapes `/` in attributes as `&#x2f;` (browsers decode it).
    let medium = m["files"]["medium"]["url"]
        .as_str()
        .unwrap()
        .replace('/', "&#x2f;");
    assert!(viewer.contains(&medium), "the viewer shows the medium");
}

async fn same_bytes_share_one_blob(app: &TestApp) {
    let a = app.signup("ann").await;
    let b = app.signup("ben").await;
    let bytes = png_rgb(400, 300);
    let ma: Value = upload(&a, app, bytes.clone(), "a.png", &[])
        .await
        .json()
        .await
        .unwrap();
    app.clock.advance(2 * 3600);
    let mb: Value = upload(&b, app, bytes.clone(), "b.png", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(ma["id"], mb["id"]);
    let originals = app.data_dir().join("media/originals");
    assert_eq!(files_under(&originals), 1, "one stored copy");
    // Sharing storage must not tell the second uploader that someone had the same file, or
    // when: each copy answers with validators of its own.
    for file in ["original", "thumb"] {
        let head = |m: &Value| {
            let url = m["files"][file]["url"].as_str().unwrap().to_owned();
            let c = app.bare();
            async move {
                let res = c.get(&url).send().await.unwrap();
                assert_eq!(res.status(), 200);
                let h = res.headers();
                (h["etag"].clone(), h["last-modified"].clone())
            }
        };
        let (etag_a, modified_a) = head(&ma).await;
        let (etag_b, modified_b) = head(&mb).await;
        assert_ne!(etag_a, etag_b, "{file}: the ETag is the item's own");
        assert_ne!(
            modified_a, modified_b,
            "{file}: Last-Modified is the item's own upload time"
        );
        let uploaded_b = time::OffsetDateTime::parse(
            mb["created_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let served_b = httpdate::parse_http_date(modified_b.to_str().unwrap()).unwrap();
        assert_eq!(
            time::OffsetDateTime::from(served_b).unix_timestamp(),
            uploaded_b.unix_timestamp()
        );
    }
    let ida = ma["id"].as_str().unwrap();
    assert_eq!(
        a.delete(app.url(&format!("/api/v1/media/{ida}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    app.run_jobs().await;
    let (status, served) = get_bytes(&b, mb["files"]["original"]["url"].as_str().unwrap()).await;
    assert_eq!(status, 200, "the other user's copy stays");
    assert_eq!(served, bytes, "byte-identical");
    assert_eq!(
        get_bytes(&b, ma["files"]["original"]["url"].as_str().unwrap())
            .await
            .0,
        404
    );
    let idb = mb["id"].as_str().unwrap();
    b.delete(app.url(&format!("/api/v1/media/{idb}")))
        .send()
        .await
        .unwrap();
    app.run_jobs().await;
    assert_eq!(files_under(&originals), 0, "the last delete frees the blob");
    assert_eq!(
        files_under(&app.data_dir().join("media/variants")),
        0,
        "and its derivatives"
    );
}

async fn delete_link_confirms_then_deletes(app: &TestApp) {
    let c = app.signup("dora").await;
    let m: Value = upload(&c, app, png_rgb(100, 100), "x.png", &[])
        .await
        .json()
        .await
        .unwrap();
    let delete_url = m["delete_url"].as_str().unwrap().to_owned();
    let anon = app.browser();
    let page = anon.get(&delete_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.unwrap().contains("method=\"post\""),
        "GET only asks"
    );
    assert_eq!(
        get_bytes(&anon, m["files"]["original"]["url"].as_str().unwrap())
            .await
            .0,
        200,
        "nothing deleted by GET"
    );
    let wrong = delete_url.rsplit_once('/').unwrap().0.to_owned() + "/wrongtoken";
    assert_eq!(anon.post(&wrong).send().await.unwrap().status(), 404);
    let res = anon.post(&delete_url).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        get_bytes(&anon, m["files"]["original"]["url"].as_str().unwrap())
            .await
            .0,
        404
    );
    assert_eq!(
        anon.get(&delete_url).send().await.unwrap().status(),
        404,
        "the link is spent"
    );
}

async fn expiring_media_disappear(app: &TestApp) {
    let c = app.signup("eve").await;
    let res = upload(&c, app, png_rgb(120, 90), "x.png", &[("expires_in", "60")]).await;
    assert_eq!(res.status(), 422, "under five minutes is refused");
    let m: Value = upload(&c, app, png_rgb(120, 90), "x.png", &[("expires_in", "300")])
        .await
        .json()
        .await
        .unwrap();
    assert!(m["expires_at"].is_string());
    let file = m["files"]["original"]["url"].as_str().unwrap().to_owned();
    app.run_jobs().await;
    assert_eq!(get_bytes(&c, &file).await.0, 200, "not yet due");
    app.clock.advance(301);
    assert_eq!(
        get_bytes(&c, &file).await.0,
        404,
        "hidden as soon as it is due"
    );
    app.run_jobs().await;
    app.run_jobs().await;
    assert_eq!(
        files_under(&app.data_dir().join("media/originals")),
        0,
        "and removed by the job"
    );
}

async fn upload_limits_and_auth(app: &TestApp) {
    let res = upload(&app.bare(), app, png_rgb(10, 10), "x.png", &[]).await;
    assert_eq!(res.status(), 401, "sign in to upload");
    let c = app.signup("fay").await;
    let res = c
        .post(app.url("/api/v1/media"))
        .multipart(Form::new().text("title", "no file"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(error_code(res).await, "missing_file");
    let res = upload(
        &c,
        app,
        png_rgb(10, 10),
        "x.png",
        &[("sha256", &"0".repeat(64))],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(error_code(res).await, "checksum_mismatch");
    let res = upload(
        &c,
        app,
        png_rgb(10, 10),
        "x.png",
        &[("title", &"t".repeat(101))],
    )
    .await;
    assert_eq!(res.status(), 422);

    let small = vitrine_app::UploadSettings {
        max_bytes: 20_000,
        guest_max_bytes: 20_000,
        ..Default::default()
    };
    app.server
        .state
        .app
        .update_upload_settings(&vitrine_app::Actor::System, small, &Default::default())
        .await
        .unwrap();
    let res = upload(
        &c,
        app,
        jpeg(&JpegSpec {
            width: 1200,
            height: 900,
            ..Default::default()
        }),
        "big.jpg",
        &[],
    )
    .await;
    assert_eq!(res.status(), 413);
    assert_eq!(error_code(res).await, "file_too_large");
    assert_eq!(
        files_under(&app.data_dir().join("tmp")),
        0,
        "the partial file is removed"
    );
    let res = upload(
        &c,
        app,
        png_rgb(20, 20),
        "ok.png",
        &[("title", "Small"), ("description", "fine"), ("nsfw", "1")],
    )
    .await;
    assert_eq!(res.status(), 201);
    let m: Value = res.json().await.unwrap();
    assert_eq!(
        (m["title"].as_str(), m["nsfw"].as_bool()),
        (Some("Small"), Some(true))
    );
}

async fn lost_derivatives_are_rebuilt(app: &TestApp) {
    let c = app.signup("gus").await;
    let m: Value = upload(
        &c,
        app,
        jpeg(&JpegSpec {
            width: 1500,
            height: 1000,
            ..Default::default()
        }),
        "p.jpg",
        &[],
    )
    .await
    .json()
    .await
    .unwrap();
    let variants = app.data_dir().join("media/variants");
    let before = files_under(&variants);
    assert_eq!(before, 3, "thumb, grid size and medium");
    std::fs::remove_dir_all(&variants).unwrap();
    let thumb = m["files"]["thumb"]["url"].as_str().unwrap().to_owned();
    let medium = m["files"]["medium"]["url"].as_str().unwrap().to_owned();
    let (r1, r2) = tokio::join!(get_bytes(&c, &thumb), get_bytes(&c, &thumb));
    assert_eq!((r1.0, r2.0), (200, 200));
    assert_eq!(r1.1, r2.1);
    assert_eq!(get_bytes(&c, &medium).await.0, 200);
    let small = m["files"]["small"]["url"].as_str().unwrap().to_owned();
    assert_eq!(get_bytes(&c, &small).await.0, 200);
    assert_eq!(files_under(&variants), 3, "rebuilt once each");
    let img = image::load_from_memory(&r1.1).unwrap();
    assert_eq!((img.width(), img.height()), (320, 320));
}

async fn owners_edit_list_and_delete(app: &TestApp) {
    let owner = app.signup("hal").await;
    let other = app.signup("ida").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let m: Value = upload(&owner, app, png_rgb(30 + i, 30), "x.png", &[])
            .await
            .json()
            .await
            .unwrap();
        ids.push(m["id"].as_str().unwrap().to_owned());
    }
    let id = &ids[0];
    let res = other
        .patch(app.url(&format!("/api/v1/media/{id}")))
        .json(&json!({ "title": "mine now" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = owner
        .patch(app.url(&format!("/api/v1/media/{id}")))
        .json(&json!({ "title": "Renamed", "nsfw": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let m: Value = res.json().await.unwrap();
    assert_eq!(
        (m["title"].as_str(), m["nsfw"].as_bool()),
        (Some("Renamed"), Some(true))
    );
    assert!(
        m.get("delete_url").is_none(),
        "delete links are only in the upload response"
    );

    let page: Value = owner
        .get(app.url("/api/v1/me/media?limit=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"].as_str().unwrap(), ids[2], "newest first");
    let cursor = page["next_cursor"].as_str().unwrap();
    let page: Value = owner
        .get(app.url(&format!("/api/v1/me/media?limit=2&cursor={cursor}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert!(page["next_cursor"].is_null());
    let theirs: Value = other
        .get(app.url("/api/v1/me/media"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());

    assert_eq!(
        other
            .delete(app.url(&format!("/api/v1/media/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        owner
            .delete(app.url(&format!("/api/v1/media/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        owner
            .get(app.url(&format!("/api/v1/media/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}
