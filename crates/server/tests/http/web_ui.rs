//! The web UI's own forms over HTTP (what works without JavaScript): the upload page and its
//! one-file form, the viewer's owner tools (edit, move, cover, delete), album management
//! (create, nest, edit, move, delete), the settings pictures and profile fields, and that
//! user text is escaped on each page.

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use vitrine_media::fixtures::*;

use crate::support::{TestApp, get_json, location, post_empty, post_form};

crate::backend_tests!(
    upload_page_and_form,
    viewer_owner_tools,
    album_management_forms,
    settings_pictures_and_profile,
);

async fn page(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let res = c.get(app.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

async fn upload_form(c: &reqwest::Client, app: &TestApp, extra: &[(&str, &str)]) -> String {
    let mut form = Form::new().part(
        "file",
        Part::bytes(png_rgb(64, 48)).file_name("harbour.png"),
    );
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = c
        .post(app.url("/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let to = location(&res);
    assert!(
        to.starts_with("/image/") && to.ends_with("?notice=uploaded"),
        "{to}"
    );
    to.trim_start_matches("/image/")
        .trim_end_matches("?notice=uploaded")
        .to_owned()
}

async fn upload_page_and_form(app: &TestApp) {
    // Guests are sent to log in while guest uploads are off; the header has no upload button.
    let anon = app.browser();
    let res = anon.get(app.url("/upload")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=/upload");
    let (_, home) = page(&anon, app, "/").await;
    assert!(!home.contains("data-upload-button"));

    let c = app.signup("ulla").await;
    let (status, html) = page(&c, app, "/upload").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-uploader") && html.contains("enctype=\"multipart/form-data\""));
    assert!(
        html.contains("data-upload-button"),
        "upload button in the header"
    );

    let id = upload_form(
        &c,
        app,
        &[
            ("title", "Harbour <at> dusk"),
            ("tags", "sea, boats"),
            ("privacy", "unlisted"),
            ("expires_in", "P7D"),
            ("nsfw", "1"),
        ],
    )
    .await;
    let m = get_json(&c, app.url(&format!("/api/v1/media/{id}"))).await;
    assert_eq!(m["title"], "Harbour <at> dusk");
    assert_eq!(m["privacy"], "unlisted");
    assert_eq!(m["nsfw"], true);
    assert!(m["expires_at"].is_string());
    assert_eq!(m["tags"], serde_json::json!(["boats", "sea"]));

    // A bad file is refused with a page that says why; nothing is stored.
    let form = Form::new().part(
        "file",
        Part::bytes(b"not an image".to_vec()).file_name("x.png"),
    );
    let res = c
        .post(app.url("/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let body = res.text().await.unwrap();
    assert!(
        body.contains("<h1") && body.to_lowercase().contains("image"),
        "{body}"
    );
    let mine = get_json(&c, app.url("/api/v1/me/media")).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);

    // An untouched file input (an empty, nameless part) is no file: the form says so.
    let form = Form::new()
        .part("file", Part::bytes(Vec::new()).file_name(""))
        .text("title", "x");
    let res = c
        .post(app.url("/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("No file was sent"));

    // A guest without JavaScript gets a page with the delete link (shown once, not cached).
    crate::support::set_upload_settings(app, |s| s.guest_uploads = true).await;
    let form = Form::new().part("file", Part::bytes(png_rgb(40, 40)).file_name("g.png"));
    let res = anon
        .post(app.url("/upload"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Delete link") && html.contains("&#x2f;delete&#x2f;"),
        "{html}"
    );

    // The preselected album of "Upload here".
    let album: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&serde_json::json!({"title": "Boats"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let aid = album["id"].as_str().unwrap();
    let (_, html) = page(&c, app, &format!("/upload?album={aid}")).await;
    assert!(html.contains(&format!("<option value=\"{aid}\" selected>Boats</option>")));
}

async fn viewer_owner_tools(app: &TestApp) {
    let c = app.signup("vera").await;
    let album: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&serde_json::json!({"title": "Trips <script>"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let aid = album["id"].as_str().unwrap().to_owned();
    let unlisted = ("privacy", "unlisted");
    let first = upload_form(&c, app, &[("album", &aid), ("title", "one"), unlisted]).await;
    let second = upload_form(&c, app, &[("album", &aid), ("title", "two")]).await;
    let third = upload_form(&c, app, &[("album", &aid), ("title", "three"), unlisted]).await;

    // The viewer: breadcrumb, neighbours in the album's order (newest first), codes, tools.
    let (status, html) = page(&c, app, &format!("/image/{second}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("href=\"/image/{third}\" rel=\"prev\"")),
        "previous is the newer one"
    );
    assert!(html.contains(&format!("href=\"/image/{first}\" rel=\"next\"")));
    assert!(html.contains("Trips &lt;script&gt;") && !html.contains("Trips <script>"));
    assert!(
        html.contains("[url=") && html.contains("[img]"),
        "BBCode tab"
    );
    assert!(html.contains(&format!("action=\"/image/{second}/edit\"")));
    assert!(html.contains(&format!("action=\"/image/{second}/delete\"")));

    // A visitor sees neither the tools nor the unlisted neighbours.
    let other = app.signup("otto").await;
    let (status, html) = page(&other, app, &format!("/image/{second}")).await;
    assert_eq!(status, 200);
    assert!(!html.contains("/edit\""), "no owner tools for visitors");
    assert!(
        !html.contains("rel=\"next\""),
        "unlisted neighbours are not linked"
    );
    let res = post_empty(&other, app.url(&format!("/image/{second}/delete"))).await;
    assert_eq!(res.status(), 403);

    // Edit: texts, tags, privacy, out of the album.
    let res = c
        .post(app.url(&format!("/image/{second}/edit")))
        .form(&[
            ("title", "Two <b>bold</b>"),
            ("description", "line"),
            ("tags", "x, y"),
            ("privacy", "public"),
            ("album", ""),
            ("album_was", &aid),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/image/{second}?notice=media_saved")
    );
    let m = get_json(&c, app.url(&format!("/api/v1/media/{second}"))).await;
    assert_eq!(m["title"], "Two <b>bold</b>");
    assert_eq!(m["privacy"], "public");
    assert_eq!(m["nsfw"], false);
    assert!(m["album"].is_null());
    let (_, html) = page(&c, app, &format!("/image/{second}?notice=media_saved")).await;
    assert!(
        html.contains("Two &lt;b&gt;bold&lt;&#x2f;b&gt;")
            && html.contains("Your changes were saved.")
    );

    // One shared image of an unlisted album does not lead a visitor to the album.
    let res = c
        .patch(app.url(&format!("/api/v1/albums/{aid}")))
        .json(&serde_json::json!({"privacy": "unlisted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, html) = page(&other, app, &format!("/image/{third}")).await;
    assert_eq!(status, 200);
    assert!(
        !html.contains(&format!("/album/{aid}")),
        "no breadcrumb into an unlisted album"
    );
    let (_, html) = page(&c, app, &format!("/image/{third}")).await;
    assert!(
        html.contains(&format!("/album/{aid}")),
        "the owner keeps it"
    );

    // Cover, then delete back to the album.
    let res = post_empty(&c, app.url(&format!("/image/{first}/cover"))).await;
    assert_eq!(res.status(), 303);
    let a = get_json(&c, app.url(&format!("/api/v1/albums/{aid}"))).await;
    assert_eq!(a["cover"]["id"], first.as_str());
    let res = post_empty(&c, app.url(&format!("/image/{first}/delete"))).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/album/{aid}?notice=media_deleted"));
    let res = c
        .get(app.url(&format!("/api/v1/media/{first}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

async fn album_management_forms(app: &TestApp) {
    let c = app.signup("alba").await;
    let (status, html) = page(&c, app, "/albums").await;
    assert_eq!(status, 200);
    assert!(html.contains("action=\"&#x2f;albums\""));
    let res = app.browser().get(app.url("/albums")).send().await.unwrap();
    assert_eq!(res.status(), 303, "signed-out visitors log in first");

    let create = |title: &'static str, parent: Option<String>| {
        let c = c.clone();
        let url = app.url("/albums");
        async move {
            let mut form = vec![
                ("title", title.to_owned()),
                ("privacy", "public".to_owned()),
            ];
            if let Some(p) = parent {
                form.push(("parent", p));
            }
            let res = post_form(&c, url, &form).await;
            assert_eq!(res.status(), 303);
            let to = location(&res);
            to.trim_start_matches("/album/")
                .trim_end_matches("?notice=album_created")
                .to_owned()
        }
    };
    let trips = create("Trips", None).await;
    let alps = create("Alps <i>", Some(trips.clone())).await;
    let other = create("Other", None).await;
    let a = get_json(&c, app.url(&format!("/api/v1/albums/{alps}"))).await;
    assert_eq!(a["parent"], trips.as_str());

    // The owner's album page: tools, picker labels with paths, escaped names.
    let (_, html) = page(&c, app, &format!("/album/{trips}")).await;
    assert!(html.contains(&format!("action=\"&#x2f;album&#x2f;{trips}&#x2f;edit\"")));
    assert!(
        html.contains("Trips &#x2f; Alps &lt;i&gt;"),
        "nested label in the move picker: {}",
        &html[html.find("move-parent").unwrap()..][..700]
    );
    assert!(!html.contains("Alps <i>"));

    // Edit to password-protected: a visitor must unlock.
    let res = c
        .post(app.url(&format!("/album/{trips}/edit")))
        .form(&[
            ("title", "Trips"),
            ("description", ""),
            ("privacy", "password"),
            ("password", "open sesame"),
            ("sort", "oldest"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let visitor = app.browser();
    let (status, html) = page(&visitor, app, &format!("/album/{trips}")).await;
    assert_eq!(status, 403);
    assert!(html.contains("password"));
    // Missing password when switching to `password` is refused clearly.
    let res = post_form(
        &c,
        app.url(&format!("/album/{other}/edit")),
        &[("title", "Other"), ("privacy", "password")],
    )
    .await;
    assert_eq!(res.status(), 422);

    // Move Alps to the top level, then under Other; a cycle is refused.
    let res = post_form(
        &c,
        app.url(&format!("/album/{alps}/move")),
        &[("parent", other.as_str())],
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let a = get_json(&c, app.url(&format!("/api/v1/albums/{alps}"))).await;
    assert_eq!(a["parent"], other.as_str());
    let res = post_form(
        &c,
        app.url(&format!("/album/{other}/move")),
        &[("parent", alps.as_str())],
    )
    .await;
    assert_eq!(res.status(), 422);

    // Delete Other, moving Alps up to the top level.
    let res = post_form(
        &c,
        app.url(&format!("/album/{other}/delete")),
        &[("contents", "move_up")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/albums?notice=album_deleted");
    let a = get_json(&c, app.url(&format!("/api/v1/albums/{alps}"))).await;
    assert!(a["parent"].is_null());
    // Someone else cannot edit.
    let mallory = app.signup("mallory").await;
    let res = post_form(
        &mallory,
        app.url(&format!("/album/{alps}/edit")),
        &[("title", "mine")],
    )
    .await;
    assert_eq!(res.status(), 403);
}

async fn settings_pictures_and_profile(app: &TestApp) {
    let c = app.signup("pia").await;
    let res = c
        .post(app.url("/settings/profile"))
        .form(&[
            ("display_name", "Pia"),
            ("bio", "I <3 \"birds\""),
            ("website", "https://pia.example/"),
            ("keep_exif", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let me = get_json(&c, app.url("/api/v1/me")).await;
    assert_eq!(me["bio"], "I <3 \"birds\"");
    assert_eq!(me["website"], "https://pia.example/");
    let (_, html) = page(&c, app, "/settings").await;
    assert!(html.contains("I &lt;3 &quot;birds&quot;</textarea>"));
    assert!(
        html.contains("id=\"f-exif\" name=\"keep_exif\" type=\"checkbox\" value=\"1\" checked")
    );

    let form = Form::new().part("file", Part::bytes(png_rgb(300, 300)).file_name("me.png"));
    let res = c
        .post(app.url("/settings/picture/avatar"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, html) = page(&c, app, "/settings").await;
    assert!(html.contains("Your current avatar"));
    let (_, profile) = page(&app.browser(), app, "/pia").await;
    assert!(profile.contains("profile-avatar"));
    // Profile images change only through their own settings, never through the media API.
    let user = get_json(&c, app.url("/api/v1/users/pia")).await;
    let avatar = user["avatar_url"].as_str().unwrap();
    let avatar_id = avatar
        .rsplit('/')
        .next()
        .unwrap()
        .split('.')
        .next()
        .unwrap();
    let res = c
        .delete(app.url(&format!("/api/v1/media/{avatar_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = c
        .post(app.url("/api/v1/media/bulk-edit"))
        .json(&serde_json::json!({"media": [avatar_id], "privacy": "private"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = post_empty(&c, app.url("/settings/picture/avatar/remove")).await;
    assert_eq!(res.status(), 303);
    let (_, html) = page(&c, app, "/settings").await;
    assert!(!html.contains("Your current avatar"));
    let res = c
        .post(app.url("/settings/picture/banner"))
        .multipart(Form::new().text("x", "y"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
