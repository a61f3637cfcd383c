//! Sharing: embed codes and oEmbed keep a hostile title as text, oEmbed fits sizes and answers
//! 404 alike for what is missing and what the visitor may not see (and 501 for XML), viewer pages carry OpenGraph/Twitter tags and
//! oEmbed discovery, and views count once per visitor per day, never for the owner.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use vitrine_media::fixtures::*;

use crate::support::{TestApp, get_json};

crate::backend_tests!(
    embed_codes_and_oembed,
    views_count_once_per_visitor_per_day,
    signed_links_open_private_files_for_an_hour,
);

const EVIL: &str = "\"><script>alert(1)</script>[x](javascript:y)";

async fn upload(c: &reqwest::Client, app: &TestApp, fields: &[(&str, &str)]) -> Value {
    let mut form = Form::new().part(
        "file",
        Part::bytes(jpeg(&JpegSpec {
            width: 2000,
            height: 1000,
            ..Default::default()
        }))
        .file_name("x.jpg"),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    let res = c
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn embed_codes_and_oembed(app: &TestApp) {
    let c = app.signup("sam").await;
    let m = upload(&c, app, &[("title", EVIL)]).await;
    let id = m["id"].as_str().unwrap();
    let codes: Value = get_json(&c, app.url(&format!("/api/v1/media/{id}/embed"))).await;
    for size in ["full", "medium", "thumb"] {
        for kind in [
            "html",
            "html_linked",
            "markdown",
            "markdown_linked",
            "bbcode",
            "bbcode_linked",
        ] {
            let code = codes[size][kind].as_str().unwrap();
            assert!(!code.contains("<script"), "{size}.{kind}: {code}");
            if kind.starts_with("markdown") {
                assert!(!code.contains("](javascript"), "{size}.{kind}: {code}");
            }
        }
        assert!(
            codes[size]["direct"]
                .as_str()
                .unwrap()
                .starts_with(&app.base)
        );
    }
    assert!(codes["medium"]["direct"].as_str().unwrap().contains(".md."));
    assert!(
        codes["thumb"]["bbcode_linked"]
            .as_str()
            .unwrap()
            .starts_with("[url=")
    );
    assert_eq!(codes["viewer"], m["url"]);

    let oembed = |url: String, extra: &'static str| {
        let c = c.clone();
        let q = format!("{}/oembed?url={}{extra}", app.base, urlencode(&url));
        async move { c.get(q).send().await.unwrap() }
    };
    let res = oembed(
        m["url"].as_str().unwrap().to_owned(),
        "&format=json&maxwidth=500",
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let o: Value = res.json().await.unwrap();
    assert!(o.get("html").is_none(), "a photo: no markup is handed out");
    assert_eq!(
        (o["version"].as_str(), o["type"].as_str()),
        (Some("1.0"), Some("photo"))
    );
    assert_eq!(o["title"], EVIL, "the title is data, not markup");
    assert_eq!(
        (o["width"].as_u64(), o["height"].as_u64()),
        (Some(500), Some(250))
    );
    let url = o["url"].as_str().unwrap();
    assert!(
        url.contains(".sm.") || url.contains(".md."),
        "a size with the picture's shape: {url}"
    );
    assert_eq!(o["author_name"], "sam");
    let res = oembed(
        m["files"]["original"]["url"].as_str().unwrap().to_owned(),
        "",
    )
    .await;
    let o: Value = res.json().await.unwrap();
    assert_eq!(o["width"], 2000, "no bounds: the original");
    let res = oembed(m["url"].as_str().unwrap().to_owned(), "&format=xml").await;
    assert_eq!(res.status(), 501);
    let res = oembed(format!("{}/image/nosuchthing", app.base), "").await;
    assert_eq!(res.status(), 404);
    let res = oembed("https://elsewhere.example/image/abc".to_owned(), "").await;
    assert_eq!(res.status(), 404);
    // Private media answer exactly as missing ones, signed in or not (a 401 or 403 would
    // confirm that the id exists).
    let p = upload(&c, app, &[("privacy", "private")]).await;
    let purl = p["url"].as_str().unwrap().to_owned();
    let q = format!("{}/oembed?url={}", app.base, urlencode(&purl));
    let missing = format!(
        "{}/oembed?url={}",
        app.base,
        urlencode(&format!("{}/image/nosuchthing", app.base))
    );
    let answer = |c: reqwest::Client, url: String| async move {
        let res = c.get(&url).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    };
    let other = app.signup("tom").await;
    for visitor in [app.browser(), other.clone()] {
        let got = answer(visitor.clone(), q.clone()).await;
        assert_eq!(got.0, 404);
        assert_eq!(got, answer(visitor, missing.clone()).await);
    }
    assert_eq!(
        c.get(&q).send().await.unwrap().status(),
        200,
        "the owner may"
    );
    let res = app
        .browser()
        .get(app.url(&format!(
            "/api/v1/media/{}/embed",
            p["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "no embed codes for what you may not see");

    // The viewer page unfurls: OpenGraph, Twitter card, oEmbed discovery; the title escaped.
    let html = app
        .browser()
        .get(m["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>alert"), "escaped in the page");
    for needle in [
        "property=\"og:image\"",
        "name=\"twitter:card\"",
        "application/json+oembed",
        "property=\"og:title\" content=\"&quot;&gt;&lt;script&gt;",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
    // Share links.
    let share: Value = get_json(&c, app.url(&format!("/api/v1/media/{id}/share"))).await;
    assert_eq!(share["url"], m["url"]);
    assert_eq!(share["privacy"], "public");
    assert_eq!(share["direct"], m["files"]["original"]["url"]);
    // An album's embed codes list only what the visitor may see.
    let album: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&json!({"title": "Set"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let aid = album["id"].as_str().unwrap();
    upload(&c, app, &[("album", aid)]).await;
    upload(&c, app, &[("album", aid), ("privacy", "private")]).await;
    let share: Value = get_json(&c, app.url(&format!("/api/v1/albums/{aid}/share"))).await;
    assert_eq!(share["url"], album["url"]);
    let list: Value = get_json(
        &app.browser(),
        app.url(&format!("/api/v1/albums/{aid}/embed")),
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let mine: Value = get_json(&c, app.url(&format!("/api/v1/albums/{aid}/embed"))).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn views_count_once_per_visitor_per_day(app: &TestApp) {
    let owner = app.signup("vic").await;
    let m = upload(&owner, app, &[]).await;
    let url = m["url"].as_str().unwrap().to_owned();
    let api = app.url(&format!("/api/v1/media/{}", m["id"].as_str().unwrap()));
    let views = || {
        let owner = owner.clone();
        let api = api.clone();
        async move {
            owner
                .get(api)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["views"]
                .as_u64()
                .unwrap()
        }
    };
    owner.get(&url).send().await.unwrap();
    assert_eq!(views().await, 0, "not for the owner");
    let visitor = |ua: &'static str| reqwest::Client::builder().user_agent(ua).build().unwrap();
    for _ in 0..3 {
        visitor("browser A").get(&url).send().await.unwrap();
    }
    assert_eq!(views().await, 1, "once per visitor per day");
    visitor("browser B").get(&url).send().await.unwrap();
    let member = app.signup("wes").await;
    member.get(&url).send().await.unwrap();
    member.get(&url).send().await.unwrap();
    assert_eq!(views().await, 3);
    app.clock.advance(86_400);
    visitor("browser A").get(&url).send().await.unwrap();
    assert_eq!(views().await, 4, "a new day counts again");
    // API reads and file fetches are not page views.
    visitor("browser C").get(&api).send().await.unwrap();
    visitor("browser C")
        .get(m["files"]["original"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(views().await, 4);
}

async fn signed_links_open_private_files_for_an_hour(app: &TestApp) {
    let c = app.signup("sig").await;
    let m = upload(&c, app, &[("privacy", "private")]).await;
    let id = m["id"].as_str().unwrap();
    let plain = m["files"]["original"]["url"].as_str().unwrap();
    let anon = app.browser();
    assert_eq!(
        anon.get(plain).send().await.unwrap().status(),
        404,
        "no session, no file"
    );
    let other = app.signup("sid").await;
    let res = other
        .get(app.url(&format!("/api/v1/media/{id}/signed-urls")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "only for those who may see it");
    let s: Value = get_json(&c, app.url(&format!("/api/v1/media/{id}/signed-urls"))).await;
    for k in ["original", "medium", "thumb"] {
        let url = s[k].as_str().unwrap();
        let res = anon.get(url).send().await.unwrap();
        assert_eq!(res.status(), 200, "{k}");
        assert_eq!(res.headers()["cache-control"], "private, no-cache");
    }
    let original = s["original"].as_str().unwrap().to_owned();
    let thumb = s["thumb"].as_str().unwrap().to_owned();
    // The signature is bound to the file name and the expiry.
    let (path, query) = original.split_once('?').unwrap();
    let swapped = format!("{}?{}", thumb.split_once('?').unwrap().0, query);
    assert_eq!(anon.get(&swapped).send().await.unwrap().status(), 404);
    let tampered = original.replace("sig=", "sig=0");
    assert_eq!(anon.get(&tampered).send().await.unwrap().status(), 404);
    let exp: i64 = query
        .split('&')
        .find_map(|p| p.strip_prefix("exp="))
        .unwrap()
        .parse()
        .unwrap();
    let longer = original.replace(&format!("exp={exp}"), &format!("exp={}", exp + 60));
    assert_eq!(anon.get(&longer).send().await.unwrap().status(), 404);
    assert!(path.ends_with(".jpg"));
    app.clock.advance(3601);
    assert_eq!(
        anon.get(&original).send().await.unwrap().status(),
        404,
        "expired"
    );
}
