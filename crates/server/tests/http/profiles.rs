//! Profiles and pages over HTTP: public fields only, the private-profile switch, the album page
//! with its password form (grants per album, ended by a new password), and the profile page.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use vitrine_media::fixtures::*;

use crate::support::{TestApp, get_json};

crate::backend_tests!(
    profiles_show_public_fields_and_can_be_private,
    album_and_profile_pages,
);

async fn profiles_show_public_fields_and_can_be_private(app: &TestApp) {
    let c = app.signup("priya").await;
    let res = c
        .patch(app.url("/api/v1/me"))
        .json(&json!({"website": "javascript:alert(1)"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "only http(s) links");
    let res = c
        .patch(app.url("/api/v1/me"))
        .json(&json!({"bio": "Photos of <b>birds</b>", "website": "https://birds.example/", "display_name": "Priya"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let form = Form::new().part("file", Part::bytes(png_rgb(30, 30)).file_name("b.png"));
    let m: Value = c
        .post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let anon = app.browser();
    let p: Value = get_json(&anon, app.url("/api/v1/users/priya")).await;
    assert_eq!(p["bio"], "Photos of <b>birds</b>");
    assert_eq!(p["website"], "https://birds.example/");
    assert_eq!(p["display_name"], "Priya");
    assert!(p.get("email").is_none(), "public fields only");
    let raw = anon
        .get(app.url("/api/v1/users/priya"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!raw.contains("example.org"), "no e-mail anywhere: {raw}");
    assert_eq!(
        anon.get(app.url("/api/v1/users/priya/media"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // Private: only the name for others, listings closed, the recent listing skips it; the
    // media stays viewable by its link; the owner still sees everything.
    let res = c
        .patch(app.url("/api/v1/me"))
        .json(&json!({"private_profile": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let p: Value = get_json(&anon, app.url("/api/v1/users/priya")).await;
    assert_eq!(p["private"], true);
    assert!(p["bio"].is_null() && p["website"].is_null());
    for path in ["/api/v1/users/priya/media", "/api/v1/users/priya/albums"] {
        let res = anon.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 403, "{path}");
        assert_eq!(crate::support::error_code(res).await, "profile_private");
        assert_eq!(
            c.get(app.url(path)).send().await.unwrap().status(),
            200,
            "{path} for the owner"
        );
    }
    let recent: Value = get_json(&anon, app.url("/api/v1/media")).await;
    assert!(
        recent["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != m["id"])
    );
    assert_eq!(
        anon.get(m["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        anon.get(app.url("/api/v1/users/nobody"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

async fn album_and_profile_pages(app: &TestApp) {
    let c = app.signup("paula").await;
    c.patch(app.url("/api/v1/me"))
        .json(&json!({"website": "https://paula.example/", "bio": "<i>hi</i>"}))
        .send()
        .await
        .unwrap();
    let album: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&json!({"title": "Gate <x>", "privacy": "password", "password": "letmein"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let aid = album["id"].as_str().unwrap();
    let form = Form::new()
        .part("file", Part::bytes(png_rgb(40, 40)).file_name("g.png"))
        .text("title", "Inside")
        .text("album", aid.to_owned());
    c.post(app.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let visitor = app.browser();
    let page = visitor
        .get(app.url(&format!("/album/{aid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("name=\"password\"") && !html.contains("Inside"),
        "a password form only"
    );
    let res = visitor
        .post(app.url(&format!("/album/{aid}/unlock")))
        .form(&[("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = visitor
        .post(app.url(&format!("/album/{aid}/unlock")))
        .form(&[("password", "letmein")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = visitor
        .get(app.url(&format!("/album/slug-text.{aid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("alt=\"Inside\""), "the grid after unlocking");
    assert!(
        html.contains("property=\"og:title\" content=\"Gate &lt;x&gt;\""),
        "escaped preview title"
    );
    // The unlock covers this album only.
    let other: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&json!({"title": "Other", "privacy": "password", "password": "letmein"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = visitor
        .get(app.url(&format!("/album/{}", other["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A new password ends the grants made under the old one.
    let res = c
        .patch(app.url(&format!("/api/v1/albums/{aid}")))
        .json(&json!({"password": "changed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = visitor
        .get(app.url(&format!("/album/{aid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "relocked");
    // Albums without a password cannot be unlocked (they look missing).
    let plain: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&json!({"title": "Plain", "privacy": "private"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = visitor
        .post(app.url(&format!(
            "/api/v1/albums/{}/unlock",
            plain["id"].as_str().unwrap()
        )))
        .json(&json!({"password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let html = app
        .browser()
        .get(app.url("/paula"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(
            "href=\"https:&#x2f;&#x2f;paula.example&#x2f;\" rel=\"nofollow ugc noopener\""
        ),
        "{html}"
    );
    assert!(html.contains("&lt;i&gt;hi&lt;"), "the bio is text");
    assert_eq!(
        app.browser()
            .get(app.url("/no-such-user"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}
