//! The node's cache of public files: answers from memory are the same bytes and headers (whole,
//! ranges, HEAD, 304), and a file stops being served the moment it is made private, deleted,
//! its owner banned or its expiry passes, through this node; a change this node did not see
//! (another node's) reaches it within the cache's TTL.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vitrine_media::fixtures::png_rgb;
use vitrine_server::file_cache::FileCache;

use crate::media::upload;
use crate::support::{Backend, TestApp, login};

async fn status(url: &str) -> u16 {
    reqwest::get(url).await.unwrap().status().as_u16()
}

async fn uploaded(c: &reqwest::Client, app: &TestApp, seed: u32, fields: &[(&str, &str)]) -> Value {
    let res = upload(c, app, png_rgb(200 + seed, 150), "cached.png", fields).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

fn url_of(m: &Value, which: &str) -> String {
    m["files"][which]["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn cached_answers_match_and_changes_show_at_once() {
    let Some(app) = TestApp::start(Backend::Sqlite, "file_cache").await else {
        return;
    };
    let owner = app.signup("olga").await;
    let m = uploaded(&owner, &app, 0, &[]).await;
    let thumb = url_of(&m, "thumb");
    let original = url_of(&m, "original");

    // Twice: the second answer comes from memory, ahead of the middleware, and is the same
    // in every header (but the date and the request id, which are per request) and byte.
    let mut answers = Vec::new();
    for _ in 0..2 {
        let res = reqwest::get(&thumb).await.unwrap();
        assert_eq!(res.status(), 200);
        let mut h = res.headers().clone();
        assert_eq!(h["x-request-id"].len(), 16);
        h.remove("x-request-id");
        h.remove("date");
        answers.push((h, res.bytes().await.unwrap()));
    }
    assert_eq!(answers[0], answers[1]);
    let (h, body) = &answers[0];
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let etag = &h["etag"];
    let c = reqwest::Client::new();
    let res = c
        .get(&thumb)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 206);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes 10-19/{}", body.len())
    );
    assert_eq!(res.bytes().await.unwrap(), body.slice(10..20));
    let res = c
        .get(&thumb)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    // A range past the end is told the usual way (through the whole stack).
    let res = c
        .get(&thumb)
        .header("range", "bytes=999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 416);
    // The front door counts what it answers like the route does.
    let metrics = reqwest::get(app.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains(r#"route="/i/{name}""#), "{metrics}");
    let res = c.head(&thumb).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-length"], body.len().to_string());

    // Signing in, uploading and refused changes leave the cache as it was; a change empties it.
    let name = thumb.rsplit('/').next().unwrap().to_owned();
    let cache = &app.server.state.file_cache;
    let now = || vitrine_domain::Clock::now(app.clock.as_ref());
    let other = uploaded(&owner, &app, 9, &[]).await;
    let other_id = other["id"].as_str().unwrap();
    // (Entries last 2 s: fetch it again so the checks below do not race the clock.)
    assert_eq!(status(&thumb).await, 200);
    assert!(cache.get(&name, now()).is_some());
    let signed_in = login(&app.browser(), &app, "olga", "correct horse").await;
    assert_eq!(signed_in.status(), 200);
    assert!(cache.get(&name, now()).is_some());
    let refused = reqwest::Client::new()
        .patch(app.url(&format!("/api/v1/media/{other_id}")))
        .json(&json!({ "title": "not yours" }))
        .send()
        .await
        .unwrap();
    assert!(refused.status().is_client_error());
    assert!(cache.get(&name, now()).is_some());
    let res = owner
        .patch(app.url(&format!("/api/v1/media/{other_id}")))
        .json(&json!({ "title": "a new title" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(cache.get(&name, now()).is_none());
    assert_eq!(status(&thumb).await, 200);

    // Made private through this node: gone for everyone else at once (the owner still sees
    // it, never from the shared cache, and not cacheable by others).
    assert_eq!(status(&original).await, 200);
    let id = m["id"].as_str().unwrap();
    let res = owner
        .patch(app.url(&format!("/api/v1/media/{id}")))
        .json(&json!({ "privacy": "private" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(status(&thumb).await, 404);
    assert_eq!(status(&original).await, 404);
    let res = owner.get(&thumb).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    assert_eq!(status(&thumb).await, 404);

    // Deleted: gone at once.
    let m = uploaded(&owner, &app, 1, &[]).await;
    let thumb = url_of(&m, "thumb");
    assert_eq!(status(&thumb).await, 200);
    let id = m["id"].as_str().unwrap();
    let res = owner
        .delete(app.url(&format!("/api/v1/media/{id}")))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(status(&thumb).await, 404);

    // Expired: gone as soon as it is due, by the site's clock.
    let m = uploaded(&owner, &app, 2, &[("expires_in", "300")]).await;
    let thumb = url_of(&m, "thumb");
    assert_eq!(status(&thumb).await, 200);
    assert_eq!(status(&thumb).await, 200);
    app.clock.advance(301);
    assert_eq!(status(&thumb).await, 404);

    // The owner banned by an admin: gone at once.
    let m = uploaded(&owner, &app, 3, &[]).await;
    let thumb = url_of(&m, "thumb");
    assert_eq!(status(&thumb).await, 200);
    let admin = app.admin("boss").await;
    let res = admin
        .patch(app.url("/api/v1/admin/users/olga"))
        .json(&json!({ "status": "banned" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(status(&thumb).await, 404);
    // Staff still see it, but never as a file others may cache.
    let res = admin.get(&thumb).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-cache");
    app.stop().await;
}

/// A change written by another node (here: straight to the database) reaches this node's
/// cache within its TTL.
#[tokio::test]
async fn changes_from_elsewhere_arrive_within_the_ttl() {
    let Some(app) = TestApp::start(Backend::Sqlite, "file_cache_ttl").await else {
        return;
    };
    let owner = app.signup("nick").await;
    let m = uploaded(&owner, &app, 0, &[]).await;
    let thumb = url_of(&m, "thumb");
    assert_eq!(status(&thumb).await, 200);
    let db = &app.server.state.app.db;
    let user = db.find_user_by_login("nick").await.unwrap().unwrap();
    let now = vitrine_domain::Clock::now(app.clock.as_ref());
    db.set_user_status(user.id, vitrine_domain::UserStatus::Banned, now)
        .await
        .unwrap();
    let changed = Instant::now();
    while status(&thumb).await == 200 {
        assert!(
            changed.elapsed() < FileCache::TTL + Duration::from_millis(500),
            "still served {:?} after the change",
            changed.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.stop().await;
}

/// `file_cache_mb = 0` turns the cache off: even a change made behind the site's back shows at
/// once.
#[tokio::test]
async fn the_cache_can_be_turned_off() {
    let Some(app) = TestApp::start_with(Backend::Sqlite, "file_cache_off", |c| {
        c.file_cache_mb = 0;
    })
    .await
    else {
        return;
    };
    let owner = app.signup("pam").await;
    let m = uploaded(&owner, &app, 0, &[]).await;
    let thumb = url_of(&m, "thumb");
    assert_eq!(status(&thumb).await, 200);
    let db = &app.server.state.app.db;
    let user = db.find_user_by_login("pam").await.unwrap().unwrap();
    let now = vitrine_domain::Clock::now(app.clock.as_ref());
    db.set_user_status(user.id, vitrine_domain::UserStatus::Banned, now)
        .await
        .unwrap();
    assert_eq!(status(&thumb).await, 404);
    app.stop().await;
}
