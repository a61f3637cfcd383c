//! The Chevereto contract as whole clients use it: the `.sxcu` downloaded from the site and
//! replayed exactly as ShareX sends it, the site guest key, and every documented error code.

use base64::Engine as _;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use vitrine_media::fixtures::*;

use crate::chevereto::{assert_delete_link_works, bytes_of, endpoint, json_of, photo, tool};
use crate::support::{TestApp, create_key, get_json, set_upload_settings};

crate::backend_tests!(
    downloaded_sxcu_replayed_as_sharex_sends_it,
    guest_key_uploads_anonymously,
    error_codes,
);

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
    let m: Value = get_json(&tool(), app.url(&format!("/api/v1/media/{id}"))).await;
    assert_eq!(
        m["privacy"], "unlisted",
        "guest uploads are unlisted by default"
    );
    let recent: Value = get_json(&tool(), app.url("/api/v1/media")).await;
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
