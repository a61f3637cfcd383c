//! The Chevereto API v1 contract (CHEVERETO_API.md), one test per row, built from raw
//! requests exactly as the clients send them: ShareX multipart with the key header, the key in
//! the body with a base64 source, GET with a URL source, `format=txt|redirect`, imgBB mode,
//! and every documented error code. Returned URLs are fetched and checked.

use base64::Engine as _;
use md5::Digest as _;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use vitrine_media::fixtures::*;

use crate::support::{TestApp, create_key, get_json};

crate::backend_tests!(
    sharex_multipart_with_key_header,
    key_in_body_with_base64_source,
    txt_and_redirect_formats,
    imgbb_mode,
    descriptive_parameters,
);

pub(crate) fn photo() -> Vec<u8> {
    jpeg(&JpegSpec {
        width: 1500,
        height: 1000,
        ..Default::default()
    })
}

pub(crate) fn endpoint(app: &TestApp) -> String {
    app.url("/api/1/upload")
}

/// A client with no cookies, like ShareX or curl.
pub(crate) fn tool() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, v)
}

pub(crate) async fn bytes_of(url: &str) -> (u16, Vec<u8>) {
    let res = tool().get(url).send().await.unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

/// Checks what clients read: absolute URLs that serve the right bytes.
pub(crate) async fn assert_serves(app: &TestApp, image: &Value) {
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
pub(crate) async fn assert_delete_link_works(image: &Value) {
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
        let m: Value = get_json(&c, app.url(&format!("/api/v1/media/{id}"))).await;
        assert_eq!(m["album"].as_str(), want);
    }
    // The native API sees the same tags.
    let id = image["id_encoded"].as_str().unwrap();
    let m: Value = get_json(&c, app.url(&format!("/api/v1/media/{id}"))).await;
    assert_eq!(m["tags"], serde_json::json!(["Sea", "sky", "sunset"]));
}
