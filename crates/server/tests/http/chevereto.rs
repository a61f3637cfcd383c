//! The Chevereto API v1 contract (CHEVERETO_API.md), one test per row, built from raw
//! requests exactly as the clients send them: ShareX multipart with the key header, the key in
//! the body with a base64 source, GET with a URL source, `format=txt|redirect`, imgBB mode,
//! and every documented error code. Returned URLs are fetched and checked.

use base64::Engine as _;
use md5::Digest as _;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use vitrine_media::fixtures::*;

use crate::support::{TestApp, create_key, set_upload_settings};

crate::backend_tests!(
    downloaded_sxcu_replayed_as_sharex_sends_it,
    sharex_multipart_with_key_header,
    key_in_body_with_base64_source,
    txt_and_redirect_formats,
    imgbb_mode,
    descriptive_parameters,
    guest_key_uploads_anonymously,
    error_codes,
);

fn photo() -> Vec<u8> {
    jpeg(&JpegSpec {
        width: 1500,
        height: 1000,
        ..Default::default()
    })
}

fn endpoint(app: &TestApp) -> String {
    app.url("/api/1/upload")
}

/// A client with no cookies, like ShareX or curl.
fn tool() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, v)
}

async fn bytes_of(url: &str) -> (u16, Vec<u8>) {
    let res = tool().get(url).send().await.unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

/// Checks what clients read: absolute URLs that serve the right bytes.
async fn assert_serves(app: &TestApp, image: &Value) {
    for path in ["url", "url_viewer", "thumb.url", "medium.url", "delete_url"] {
        let v = path.split('.').fold(image, |v, k| &v[k]);
        let url = v
            .as_str()
            .unwrap_or_else(|| panic!("{path} missing in {image}"));
        assert!(url.starts_with(&app.base), "{path} is absolute: {url}");
    }
    let (status, body) = bytes_of(image["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(body.len() as u64, image["size"].as_u64().unwrap());
    assert_eq!(
        hex::encode(md5::Md5::digest(&body)),
        image["md5"].as_str().unwrap()
    );
    let thumb = image::load_from_memory(&bytes_of(image["thumb"]["url"].as_str().unwrap()).await.1)
        .unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 320));
    let medium =
        image::load_from_memory(&bytes_of(image["medium"]["url"].as_str().unwrap()).await.1)
            .unwrap();
    assert_eq!(medium.width(), 1280);
    let (status, page) = bytes_of(image["url_viewer"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&page).contains("<html"));
}

/// The delete URL asks on GET and deletes on POST.
async fn assert_delete_link_works(image: &Value) {
    let delete_url = image["delete_url"].as_str().unwrap();
    let url = image["url"].as_str().unwrap();
    let page = tool().get(delete_url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("method=\"post\""));
    assert_eq!(bytes_of(url).await.0, 200, "GET deletes nothing");
    let res = tool().post(delete_url).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(bytes_of(url).await.0, 404);
}

async fn sharex_multipart_with_key_header(app: &TestApp) {
    let c = app.signup("sharex").await;
    let key = create_key(&c, app).await;
    // What ShareX sends for the .sxcu of the contract.
    let form = Form::new().text("format", "json").part(
        "source",
        Part::bytes(photo())
            .file_name("Screenshot 2026-11-27.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let res = tool()
        .post(endpoint(app))
        .header("X-API-Key", &key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(res).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status_code"], 200);
    assert_eq!(v["status_txt"], "OK");
    assert_eq!(v["success"]["code"], 200);
    assert_eq!(v["success"]["message"], "image uploaded");
    let image = &v["image"];
    for field in [
        "name",
        "extension",
        "filename",
        "mime",
        "original_filename",
        "id_encoded",
        "title",
        "description",
        "tags",
        "nsfw",
        "size",
        "size_formatted",
        "width",
        "height",
        "date",
        "date_gmt",
        "expiration_date_gmt",
        "md5",
        "url",
        "url_viewer",
        "url_short",
        "display_url",
        "delete_url",
        "image",
        "thumb",
        "medium",
    ] {
        assert!(image.get(field).is_some(), "{field} missing");
    }
    for variant in ["image", "thumb", "medium"] {
        for field in ["filename", "name", "mime", "extension", "url", "size"] {
            assert!(
                image[variant].get(field).is_some(),
                "{variant}.{field} missing"
            );
        }
    }
    assert_eq!(image["original_filename"], "Screenshot 2026-11-27.jpg");
    assert_eq!(image["title"], "Screenshot 2026 11 27");
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(1500), Some(1000))
    );
    assert_eq!(image["mime"], "image/jpeg");
    let id = image["id_encoded"].as_str().unwrap();
    assert_eq!(image["filename"].as_str().unwrap(), format!("{id}.jpg"));
    assert!(
        image["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/i/{id}.jpg"))
    );
    assert_eq!(image["display_url"], image["medium"]["url"]);
    assert!(image["expiration_date_gmt"].is_null());
    assert_serves(app, image).await;
    // The same upload with `Authorization: Bearer` and a trailing slash.
    let form = Form::new().part("source", Part::bytes(png_rgb(64, 48)).file_name("a.png"));
    let res = tool()
        .post(app.url("/api/1/upload/"))
        .bearer_auth(&key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (status, small) = json_of(res).await;
    assert_eq!(status, 200, "{small}");
    assert!(
        small["image"]["medium"]["url"].is_null(),
        "no medium for small images"
    );
    assert_eq!(small["image"]["display_url"], small["image"]["url"]);
    assert_delete_link_works(image).await;
}

async fn key_in_body_with_base64_source(app: &TestApp) {
    let c = app.signup("b64").await;
    let key = create_key(&c, app).await;
    let b64 = base64::engine::general_purpose::STANDARD.encode(photo());
    // urlencoded, line-wrapped like `base64` prints it.
    let wrapped: String = b64
        .as_bytes()
        .chunks(76)
        .map(|l| String::from_utf8_lossy(l).into_owned() + "\n")
        .collect();
    let res = tool()
        .post(endpoint(app))
        .form(&[
            ("key", key.as_str()),
            ("source", wrapped.as_str()),
            ("title", "From base64"),
        ])
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(res).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["image"]["title"], "From base64");
    assert_serves(app, &v["image"]).await;
    // Multipart text fields, key in the body too, as a data URI.
    let form = Form::new().text("key", key.clone()).text(
        "source",
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png_rgb(30, 20))
        ),
    );
    let (status, v) = json_of(
        tool()
            .post(endpoint(app))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["image"]["width"], 30);
    // A `+` that a sloppy client did not encode arrives as a space and still decodes.
    let raw = format!(
        "key={key}&source={}",
        base64::engine::general_purpose::STANDARD.encode(png_rgb(33, 21))
    );
    let res = tool()
        .post(endpoint(app))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(raw)
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(res).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["image"]["width"], 33);
}

async fn txt_and_redirect_formats(app: &TestApp) {
    let c = app.signup("formats").await;
    let key = create_key(&c, app).await;
    let form = Form::new()
        .text("format", "txt")
        .part("source", Part::bytes(png_rgb(40, 40)).file_name("t.png"));
    let res = tool()
        .post(endpoint(app))
        .header("X-API-Key", &key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let url = res.text().await.unwrap();
    assert!(url.starts_with(&app.base) && url.ends_with(".png"), "{url}");
    assert_eq!(bytes_of(&url).await.0, 200);

    let form = Form::new().part("source", Part::bytes(png_rgb(41, 40)).file_name("r.png"));
    let res = tool()
        .post(format!("{}?format=redirect", endpoint(app)))
        .header("X-API-Key", &key)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{}/image/", app.base)),
        "{location}"
    );
    assert_eq!(tool().get(&location).send().await.unwrap().status(), 200);

    // Errors in these formats are the message as text.
    let res = tool()
        .post(format!("{}?format=txt", endpoint(app)))
        .header("X-API-Key", "vt_wrong")
        .multipart(Form::new().part("source", Part::bytes(png_rgb(4, 4)).file_name("x.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.text().await.unwrap(), "Invalid API v1 key");
}

async fn imgbb_mode(app: &TestApp) {
    let c = app.signup("imgbb").await;
    let key = create_key(&c, app).await;
    let form = Form::new()
        .text("key", key.clone())
        .part("image", Part::bytes(photo()).file_name("bb.jpg"));
    let (status, v) = json_of(
        tool()
            .post(endpoint(app))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], 200);
    assert!(v.get("image").is_none(), "the media object is under data");
    let data = &v["data"];
    assert_eq!(data["id"], data["id_encoded"]);
    assert_serves(app, data).await;
    let b64 = base64::engine::general_purpose::STANDARD.encode(png_rgb(20, 20));
    let res = tool()
        .post(format!("{}?key={key}", endpoint(app)))
        .form(&[("image", b64.as_str())])
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(res).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["data"]["width"], 20);
}

async fn descriptive_parameters(app: &TestApp) {
    let c = app.signup("params").await;
    let key = create_key(&c, app).await;
    let send = |fields: Vec<(&'static str, String)>| {
        let mut form = Form::new().part("source", Part::bytes(photo()).file_name("p.jpg"));
        for (k, v) in fields {
            form = form.text(k, v);
        }
        tool()
            .post(endpoint(app))
            .header("X-API-Key", &key)
            .multipart(form)
            .send()
    };
    let long = "n".repeat(150);
    let (status, v) = json_of(
        send(vec![
            ("name", long.clone()),
            ("description", "A <b>bold</b> claim".into()),
            ("tags", "sky, Sea ,sky,,sunset".into()),
            ("nsfw", "1".into()),
            ("expiration", "PT5M".into()),
            ("width", "600".into()),
            ("album_id", "nonexistent".into()),
            ("category_id", "3".into()),
        ])
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let image = &v["image"];
    assert_eq!(
        image["title"].as_str().unwrap().chars().count(),
        100,
        "`name` is the title, cut at 100"
    );
    assert_eq!(image["description"], "A <b>bold</b> claim");
    assert_eq!(image["tags"], serde_json::json!(["Sea", "sky", "sunset"]));
    assert_eq!(image["nsfw"], 1);
    assert_eq!(
        (image["width"].as_u64(), image["height"].as_u64()),
        (Some(600), Some(400)),
        "resized"
    );
    let served =
        image::load_from_memory(&bytes_of(image["url"].as_str().unwrap()).await.1).unwrap();
    assert_eq!(
        (served.width(), served.height()),
        (600, 400),
        "the stored image is resized"
    );
    let expires = image["expiration_date_gmt"].as_str().unwrap();
    let created = image["date_gmt"].as_str().unwrap();
    let parse = |s: &str| {
        time::PrimitiveDateTime::parse(
            s,
            time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        )
        .unwrap()
        .assume_utc()
        .unix_timestamp()
    };
    assert_eq!(parse(expires) - parse(created), 300);
    // Lifetimes are clamped to [5 minutes, 1 year].
    for (given, want) in [("60", 300), ("P2Y", 365 * 86400), ("P3D", 3 * 86400)] {
        let (_, v) = json_of(send(vec![("expiration", given.into())]).await.unwrap()).await;
        let i = &v["image"];
        assert_eq!(
            parse(i["expiration_date_gmt"].as_str().unwrap())
                - parse(i["date_gmt"].as_str().unwrap()),
            want,
            "{given}"
        );
    }
    // `album_id`: the key owner's album is used; anyone else's is ignored.
    let mine: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&serde_json::json!({"title": "Mine"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stranger = app.signup("params_other").await;
    let theirs: Value = stranger
        .post(app.url("/api/v1/albums"))
        .json(&serde_json::json!({"title": "Theirs"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (album, want) in [(&mine, Some(mine["id"].as_str().unwrap())), (&theirs, None)] {
        let (status, v) = json_of(
            send(vec![("album_id", album["id"].as_str().unwrap().to_owned())])
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        let id = v["image"]["id_encoded"].as_str().unwrap();
        let m: Value = c
            .get(app.url(&format!("/api/v1/media/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(m["album"].as_str(), want);
    }
    // The native API sees the same tags.
    let id = image["id_encoded"].as_str().unwrap();
    let m: Value = c
        .get(app.url(&format!("/api/v1/media/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(m["tags"], serde_json::json!(["Sea", "sky", "sunset"]));
}

async fn guest_key_uploads_anonymously(app: &TestApp) {
    let guest_key = "forum-button-key-0123456789";
    set_upload_settings(app, |s| s.guest_api_key = guest_key.into()).await;
    let send = || {
        tool()
            .post(endpoint(app))
            .header("X-API-Key", guest_key)
            .multipart(
                Form::new()
                    .text("tags", "ignored")
                    .part("source", Part::bytes(png_rgb(50, 50)).file_name("g.png")),
            )
            .send()
    };
    let (status, v) = json_of(send().await.unwrap()).await;
    assert_eq!(
        (status, v["error"]["code"].as_u64()),
        (400, Some(401)),
        "guest uploads are off: {v}"
    );
    let native = || {
        tool()
            .post(app.url("/api/v1/media"))
            .multipart(Form::new().part("file", Part::bytes(png_rgb(51, 50)).file_name("n.png")))
            .send()
    };
    assert_eq!(
        native().await.unwrap().status(),
        401,
        "no anonymous native uploads either"
    );
    set_upload_settings(app, |s| s.guest_uploads = true).await;
    assert_eq!(
        native().await.unwrap().status(),
        201,
        "guests may use the native API too"
    );
    let (status, v) = json_of(send().await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        v["image"]["tags"],
        serde_json::json!([]),
        "tags are ignored for guests"
    );
    let id = v["image"]["id_encoded"].as_str().unwrap().to_owned();
    let m: Value = tool()
        .get(app.url(&format!("/api/v1/media/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        m["privacy"], "unlisted",
        "guest uploads are unlisted by default"
    );
    let recent: Value = tool()
        .get(app.url("/api/v1/media"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        recent["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != id.as_str())
    );
    assert_eq!(bytes_of(v["image"]["url"].as_str().unwrap()).await.0, 200);
    // A guest upload over the guest size limit.
    set_upload_settings(app, |s| s.guest_max_bytes = 2048).await;
    let res = tool()
        .post(endpoint(app))
        .header("X-API-Key", guest_key)
        .multipart(Form::new().part("source", Part::bytes(photo()).file_name("big.jpg")))
        .send()
        .await
        .unwrap();
    let (status, v) = json_of(res).await;
    assert_eq!((status, v["error"]["code"].as_u64()), (400, Some(400)));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("File too big - max"),
        "{v}"
    );
}

async fn error_codes(app: &TestApp) {
    let c = app.signup("errs").await;
    let key = create_key(&c, app).await;
    let code_of = |res: reqwest::Response| async move {
        let (status, v) = json_of(res).await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(v["status_code"], 400);
        assert_eq!(v["status_txt"], "Bad Request");
        (
            v["error"]["code"].as_u64().unwrap(),
            v["error"]["message"].as_str().unwrap().to_owned(),
        )
    };
    let file = || Form::new().part("source", Part::bytes(png_rgb(8, 8)).file_name("e.png"));
    let post = |form: Form| {
        tool()
            .post(endpoint(app))
            .header("X-API-Key", &key)
            .multipart(form)
    };

    // 100: no key, a wrong key (header, query or body).
    let res = tool()
        .post(endpoint(app))
        .multipart(file())
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 100);
    let res = tool()
        .post(endpoint(app))
        .header("X-API-Key", "vt_nope")
        .multipart(file())
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 100);
    let res = tool()
        .post(format!("{}?key=vt_nope", endpoint(app)))
        .multipart(file())
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 100);
    // A key in the body must come before the file: nothing large is read for a stranger.
    let late = Form::new()
        .part("source", Part::bytes(png_rgb(8, 8)).file_name("e.png"))
        .text("key", key.clone());
    let res = tool()
        .post(endpoint(app))
        .multipart(late)
        .send()
        .await
        .unwrap();
    let (code, msg) = code_of(res).await;
    assert_eq!(code, 100);
    assert!(msg.contains("before the file"), "{msg}");
    // 110: another API version; 120: another action, and base64 that does not decode.
    let res = tool()
        .post(app.url("/api/2/upload"))
        .header("X-API-Key", &key)
        .multipart(file())
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 110);
    let res = tool()
        .post(app.url("/api/1/delete"))
        .header("X-API-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 120);
    let res = tool()
        .post(endpoint(app))
        .form(&[("key", key.as_str()), ("source", "@@not base64!!")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(res).await,
        (120, "Invalid base64 string".to_owned())
    );
    // 130: empty source, no source, base64 by GET.
    let res = tool()
        .post(endpoint(app))
        .form(&[("key", key.as_str()), ("source", "  ")])
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 130);
    let res = post(Form::new().text("title", "no file"))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 130);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(png_rgb(4, 4));
    let res = tool()
        .get(format!("{}?key={key}&source={b64}", endpoint(app)))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 130);
    // 400: not an image, a damaged image, too big, a forbidden URL (admin key).
    let res = post(Form::new().part(
        "source",
        Part::bytes(b"<html><script>x</script>".to_vec()).file_name("x.jpg"),
    ))
    .send()
    .await
    .unwrap();
    let (code, msg) = code_of(res).await;
    assert_eq!(code, 400);
    assert!(msg.to_lowercase().contains("unsupported"), "{msg}");
    let mut broken = photo();
    broken.truncate(broken.len() / 3);
    let res = post(Form::new().part("source", Part::bytes(broken).file_name("b.jpg")))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 400);
    set_upload_settings(app, |s| {
        s.max_bytes = 4096;
        s.guest_max_bytes = 4096;
    })
    .await;
    let res = post(Form::new().part("source", Part::bytes(photo()).file_name("big.jpg")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_of(res).await,
        (400, "File too big - max 1 MB".to_owned())
    );
    set_upload_settings(app, |s| *s = vitrine_app::UploadSettings::default()).await;
    let admin = app.admin("errs_admin").await;
    let admin_key = create_key(&admin, app).await;
    let res = tool()
        .get(format!(
            "{}?key={admin_key}&source=http://169.254.169.254/latest/meta-data/",
            endpoint(app)
        ))
        .send()
        .await
        .unwrap();
    let (code, msg) = code_of(res).await;
    assert_eq!(code, 400);
    assert!(msg.contains("not allowed"), "{msg}");
    // 403: URL uploads are for admins unless the site opens them to users.
    let res = tool()
        .get(format!(
            "{}?key={key}&source=https://example.com/a.jpg",
            endpoint(app)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(res).await.0, 403);
    // 401: a banned account's key.
    admin
        .patch(app.url("/api/v1/admin/users/errs"))
        .json(&serde_json::json!({"status": "banned"}))
        .send()
        .await
        .unwrap();
    let res = post(file()).send().await.unwrap();
    assert_eq!(code_of(res).await.0, 401);
    // 130 for the flood limit is in the flood tests; the JSON error shape in every case above.
}

/// Reads `{json:a.b.c}` out of a response, as ShareX does.
fn sharex_path<'a>(template: &str, v: &'a Value) -> &'a Value {
    let path = template
        .strip_prefix("{json:")
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or_else(|| panic!("unexpected template {template}"));
    path.split('.').fold(v, |v, k| &v[k])
}

async fn downloaded_sxcu_replayed_as_sharex_sends_it(app: &TestApp) {
    // Through the web settings page: create a key, then download its .sxcu.
    let c = app.signup("sharexweb").await;
    let res = c
        .post(app.url("/settings/api-keys"))
        .form(&[("name", "ShareX")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = c
        .get(app.url("/settings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("/settings/api-keys/sharex"),
        "the page offers the download"
    );
    let start = html.find("vt_").unwrap();
    let secret: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let res = c
        .post(app.url("/settings/api-keys/sharex"))
        .form(&[("secret", secret.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".sxcu\""),
        "{disposition}"
    );
    let sxcu: Value = res.json().await.unwrap();
    assert_eq!(sxcu["DestinationType"], "ImageUploader");
    assert_eq!(sxcu["Body"], "MultipartFormData");
    // Someone else's key is not written into a file for this user.
    let other = app.signup("sharexother").await;
    let others_key = create_key(&other, app).await;
    let res = c
        .post(app.url("/settings/api-keys/sharex"))
        .form(&[("secret", others_key.as_str())])
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), 200);

    // Replay it the way ShareX builds the request from the file.
    assert_eq!(sxcu["RequestMethod"], "POST");
    let mut req = tool().post(sxcu["RequestURL"].as_str().unwrap());
    for (k, v) in sxcu["Headers"].as_object().unwrap() {
        req = req.header(k.as_str(), v.as_str().unwrap());
    }
    let mut form = Form::new();
    for (k, v) in sxcu["Arguments"].as_object().unwrap() {
        form = form.text(k.clone(), v.as_str().unwrap().to_owned());
    }
    form = form.part(
        sxcu["FileFormName"].as_str().unwrap().to_owned(),
        Part::bytes(photo())
            .file_name("ShareX_2026-11-27.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let (status, v) = json_of(req.multipart(form).send().await.unwrap()).await;
    assert_eq!(status, 200, "{v}");
    let url = sharex_path(sxcu["URL"].as_str().unwrap(), &v)
        .as_str()
        .unwrap();
    let thumb = sharex_path(sxcu["ThumbnailURL"].as_str().unwrap(), &v)
        .as_str()
        .unwrap();
    let deletion = sharex_path(sxcu["DeletionURL"].as_str().unwrap(), &v)
        .as_str()
        .unwrap();
    assert_eq!(bytes_of(url).await.0, 200);
    let t = image::load_from_memory(&bytes_of(thumb).await.1).unwrap();
    assert_eq!((t.width(), t.height()), (320, 320));
    assert_delete_link_works(&v["image"]).await;
    assert!(deletion.contains("/delete/"));
    // The error path ShareX shows.
    let res = tool()
        .post(sxcu["RequestURL"].as_str().unwrap())
        .header("X-API-Key", "vt_revoked")
        .multipart(Form::new().part("source", Part::bytes(photo()).file_name("x.jpg")))
        .send()
        .await
        .unwrap();
    let (_, v) = json_of(res).await;
    assert_eq!(
        sharex_path(sxcu["ErrorMessage"].as_str().unwrap(), &v),
        "Invalid API v1 key"
    );

    // Through the API: the creation response carries it, and the key can fetch its own file.
    let created: Value = c
        .post(app.url("/api/v1/me/api-keys"))
        .json(&serde_json::json!({"name": "cli"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["secret"].as_str().unwrap();
    assert_eq!(created["sharex"]["Headers"]["X-API-Key"], key);
    assert_eq!(
        created["sharex"]["RequestURL"],
        format!("{}/api/1/upload", app.base)
    );
    let res = tool()
        .get(app.url("/api/v1/me/sharex"))
        .header("X-API-Key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let file: Value = res.json().await.unwrap();
    assert_eq!(file, created["sharex"]);
    let res = c.get(app.url("/api/v1/me/sharex")).send().await.unwrap();
    assert_eq!(res.status(), 422, "a session has no key to put in the file");
}
