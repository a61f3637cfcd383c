//! The separate files origin (`files_url`): public file links point there and it serves them;
//! that host serves nothing else and ignores credentials; what it may not show goes back to
//! the site, where the session decides; private media keeps site links; signed links, embed
//! codes, oEmbed and the Chevereto reply use it; pages allow its images in their CSP.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::media::upload;
use crate::support::{Backend, TestApp, chevereto_upload, create_key, get_json, location};

const FILES_HOST: &str = "files.test";

/// The site with `files_url = http://files.test:PORT` (the same server, by another name).
async fn start(name: &str) -> (TestApp, String) {
    let mut files = String::new();
    let app = TestApp::start_with(Backend::Sqlite, name, |c| {
        files = format!("http://{FILES_HOST}:{}", c.bind.port());
        c.files_url = Some(files.parse().unwrap());
    })
    .await
    .expect("sqlite");
    (app, files)
}

/// A client that reaches `files.test` at the test server, with no cookies and no redirects.
fn files_client(app: &TestApp) -> reqwest::Client {
    let addr: std::net::SocketAddr = app.url("").trim_start_matches("http://").parse().unwrap();
    reqwest::Client::builder()
        .resolve(FILES_HOST, addr)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn png() -> Vec<u8> {
    vitrine_media::synth::photo_jpeg(640, 480, 3).unwrap()
}

async fn upload_with(c: &reqwest::Client, app: &TestApp, fields: &[(&str, &str)]) -> Value {
    let res = upload(c, app, png(), "photo.jpg", fields).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// Creates an album; its id.
async fn album(c: &reqwest::Client, app: &TestApp, body: Value) -> String {
    let res = c
        .post(app.url("/api/v1/albums"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn public_files_are_linked_and_served_on_the_files_origin() {
    let (app, files) = start("files_public").await;
    let c = app.signup("filesowner").await;
    let m = upload_with(&c, &app, &[]).await;
    let original = m["files"]["original"]["url"].as_str().unwrap();
    let thumb = m["files"]["thumb"]["url"].as_str().unwrap();
    assert!(original.starts_with(&format!("{files}/i/")), "{original}");
    assert!(thumb.starts_with(&format!("{files}/i/")), "{thumb}");
    // Pages, the viewer link and the delete link stay on the site.
    assert!(m["url"].as_str().unwrap().starts_with(&app.url("/image/")));
    let fc = files_client(&app);
    let res = fc.get(original).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(fc.head(thumb).send().await.unwrap().status(), 200);

    // The page shows the image from the files origin, and its CSP allows that origin.
    let page = c.get(m["url"].as_str().unwrap()).send().await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!("img-src 'self' {files} data: blob:")),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    let img = html
        .split("<img class=\"viewer-image\"")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .expect("the viewer image");
    // (minijinja writes `/` as `&#x2f;` in attributes.)
    let src = img.replace("&#x2f;", "/");
    assert!(src.contains(&format!("src=\"{files}/i/")), "{img}");

    // The Chevereto reply, embed codes, oEmbed and the share link point there too.
    let key = create_key(&c, &app).await;
    let (_, chev) = chevereto_upload(&app, &key, &png(), "x.jpg").await;
    assert!(
        chev["image"]["url"].as_str().unwrap().starts_with(&files),
        "{chev}"
    );
    assert!(
        chev["image"]["url_viewer"]
            .as_str()
            .unwrap()
            .starts_with(&app.url("/"))
    );
    let id = m["id"].as_str().unwrap();
    let embed: Value = get_json(&c, app.url(&format!("/api/v1/media/{id}/embed"))).await;
    assert!(
        embed.to_string().contains(&format!("{files}/i/{id}")),
        "{embed}"
    );
    let oembed: Value = get_json(
        &app.bare(),
        format!("{}?url={original}", app.url("/oembed")),
    )
    .await;
    assert!(
        oembed["url"].as_str().unwrap().starts_with(&files),
        "{oembed}"
    );
    let share: Value = get_json(&c, app.url(&format!("/api/v1/media/{id}/share"))).await;
    assert!(
        share["direct"].as_str().unwrap().starts_with(&files),
        "{share}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_files_origin_serves_nothing_else() {
    let (app, _) = start("files_only").await;
    let c = app.signup("filesonly").await;
    let m = upload_with(&c, &app, &[]).await;
    let id = m["id"].as_str().unwrap();
    let fc = files_client(&app);
    let base = format!(
        "http://{FILES_HOST}:{}",
        app.url("").rsplit(':').next().unwrap()
    );
    for path in [
        "/".to_owned(),
        format!("/image/{id}"),
        "/api/v1/me".to_owned(),
        "/api/1/upload".to_owned(),
        "/login".to_owned(),
        "/static/app.css".to_owned(),
        "/admin".to_owned(),
        "/oembed".to_owned(),
    ] {
        let res = fc.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert!(res.headers().get("set-cookie").is_none(), "{path}");
        assert!(
            res.text().await.unwrap().contains("uploaded files only"),
            "{path}"
        );
    }
    // Other spellings of the files host are the files host too.
    let original = m["files"]["original"]["url"].as_str().unwrap();
    let port = app.url("").rsplit(':').next().unwrap().to_owned();
    for host in [
        format!("FILES.test:{port}"),
        format!("{FILES_HOST}.:{port}"),
    ] {
        let res = fc
            .get(format!("{base}/"))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{host}");
        let res = fc.get(original).header("host", &host).send().await.unwrap();
        assert_eq!(res.status(), 200, "{host}");
    }
    // A path that is no file name is not sent back to the site either.
    for path in ["/i/../../logout", "/i/", "/i/a/b.jpg"] {
        let res = fc.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert!(res.headers().get("location").is_none(), "{path}");
    }
    // Only reads: a POST to a file path is refused the same way.
    let res = fc
        .post(m["files"]["original"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn what_the_files_origin_may_not_show_goes_back_to_the_site() {
    let (app, files) = start("files_private").await;
    let c = app.signup("privateowner").await;
    let key = create_key(&c, &app).await;
    let private = upload_with(&c, &app, &[("privacy", "private")]).await;
    // Private media keeps site links: the session reaches it there.
    let link = private["files"]["original"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(link.starts_with(&app.url("/i/")), "{link}");
    assert_eq!(c.get(&link).send().await.unwrap().status(), 200);
    assert_eq!(app.bare().get(&link).send().await.unwrap().status(), 404);

    // On the files origin it is never served, not even with the owner's credentials, which
    // that origin ignores: it sends the request back to the site.
    let fc = files_client(&app);
    let on_files = link.replacen(&app.url(""), &files, 1);
    // The owner's real session cookie, as a browser would send it to the site.
    let login = app
        .browser()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": "privateowner", "password": "correct horse" }))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    assert_eq!(
        app.bare()
            .get(&link)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "the cookie opens the file on the site"
    );
    for req in [
        fc.get(&on_files),
        fc.get(&on_files).header("x-api-key", &key),
        fc.get(&on_files)
            .header("authorization", format!("Bearer {key}")),
        fc.get(&on_files).header("cookie", &cookie),
    ] {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FOUND);
        assert_eq!(location(&res), link);
        assert_eq!(res.headers()["cache-control"], "no-store");
    }
    // A missing file goes the same way: the redirect tells a stranger nothing.
    let missing = format!("{files}/i/zzzzzzzzzzz.jpg");
    let res = fc.get(&missing).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(location(&res), app.url("/i/zzzzzzzzzzz.jpg"));

    // Public on its own but in a private album: linked on the files origin, which sends it
    // back to the site, where the owner's session opens it and a stranger gets 404.
    let aid = &album(&c, &app, json!({"title": "Hidden", "privacy": "private"})).await;
    let inside = upload_with(&c, &app, &[("album", aid)]).await;
    let link = inside["files"]["original"]["url"].as_str().unwrap();
    assert!(link.starts_with(&files), "{link}");
    let res = fc.get(link).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    let back = location(&res);
    assert_eq!(c.get(&back).send().await.unwrap().status(), 200);
    assert_eq!(app.bare().get(&back).send().await.unwrap().status(), 404);

    // A password album: its public photo is linked on the files origin, which cannot see the
    // visitor's unlock and sends it back; on the site, a visitor who unlocked it sees it.
    let aid = &album(
        &c,
        &app,
        json!({"title": "Locked", "privacy": "password", "password": "sesame"}),
    )
    .await;
    let locked = upload_with(&c, &app, &[("album", aid)]).await;
    let link = locked["files"]["original"]["url"].as_str().unwrap();
    assert!(link.starts_with(&files), "{link}");
    let res = fc.get(link).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FOUND,
        "a locked file goes back to the site"
    );
    let back = location(&res);
    let visitor = app.browser();
    assert_ne!(visitor.get(&back).send().await.unwrap().status(), 200);
    let res = visitor
        .post(app.url(&format!("/api/v1/albums/{aid}/unlock")))
        .json(&json!({"password": "sesame"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(visitor.get(&back).send().await.unwrap().status(), 200);

    // Signed links need no session, so they are made on the files origin and work there.
    let id = private["id"].as_str().unwrap();
    let signed: Value = get_json(&c, app.url(&format!("/api/v1/media/{id}/signed-urls"))).await;
    let url = signed["original"].as_str().unwrap();
    assert!(url.starts_with(&format!("{files}/i/")), "{signed}");
    let res = fc.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    // A forged signature is sent back like anything else it may not show.
    let forged = format!("{}0", url.trim_end_matches(char::is_alphanumeric));
    assert_eq!(
        fc.get(&forged).send().await.unwrap().status(),
        StatusCode::FOUND
    );
    app.stop().await;
}
