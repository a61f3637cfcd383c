//! The visibility matrix: every privacy level and album-chain combination x every kind of
//! visitor x every surface that can show a media item or an album (API read, viewer page, each
//! file variant, the recent listing, the owner's listing, album contents, album reads, album
//! listings, counts and covers) against an expected answer computed from the written rules.
//! A surface that forgot the check fails here.

use std::collections::BTreeMap;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use vitrine_media::fixtures::*;

use crate::support::{TestApp, login};

crate::backend_tests!(
    visibility_matrix,
    albums_nest_move_and_delete,
    pagination_is_stable_under_inserts,
    profiles_show_public_fields_and_can_be_private,
    avatars_covers_and_album_sort_orders,
    album_and_profile_pages,
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Public,
    Unlisted,
    Password,
    Private,
}

struct AlbumSpec {
    key: &'static str,
    level: Level,
    parent: Option<&'static str>,
}

struct MediaSpec {
    key: &'static str,
    own: Level,
    album: Option<&'static str>,
}

const ALBUMS: &[AlbumSpec] = &[
    AlbumSpec {
        key: "pub",
        level: Level::Public,
        parent: None,
    },
    AlbumSpec {
        key: "unl",
        level: Level::Unlisted,
        parent: None,
    },
    AlbumSpec {
        key: "priv",
        level: Level::Private,
        parent: None,
    },
    AlbumSpec {
        key: "pw",
        level: Level::Password,
        parent: None,
    },
    AlbumSpec {
        key: "pub_in_priv",
        level: Level::Public,
        parent: Some("priv"),
    },
    AlbumSpec {
        key: "pub_in_pw",
        level: Level::Public,
        parent: Some("pw"),
    },
    AlbumSpec {
        key: "pub_in_unl",
        level: Level::Public,
        parent: Some("unl"),
    },
];

const MEDIA: &[MediaSpec] = &[
    MediaSpec {
        key: "pub",
        own: Level::Public,
        album: None,
    },
    MediaSpec {
        key: "unl",
        own: Level::Unlisted,
        album: None,
    },
    MediaSpec {
        key: "priv",
        own: Level::Private,
        album: None,
    },
    MediaSpec {
        key: "in_pub",
        own: Level::Public,
        album: Some("pub"),
    },
    MediaSpec {
        key: "unl_in_pub",
        own: Level::Unlisted,
        album: Some("pub"),
    },
    MediaSpec {
        key: "priv_in_pub",
        own: Level::Private,
        album: Some("pub"),
    },
    MediaSpec {
        key: "in_unl",
        own: Level::Public,
        album: Some("unl"),
    },
    MediaSpec {
        key: "in_priv",
        own: Level::Public,
        album: Some("priv"),
    },
    MediaSpec {
        key: "in_pub_in_priv",
        own: Level::Public,
        album: Some("pub_in_priv"),
    },
    MediaSpec {
        key: "in_pw",
        own: Level::Public,
        album: Some("pw"),
    },
    MediaSpec {
        key: "unl_in_pw",
        own: Level::Unlisted,
        album: Some("pw"),
    },
    MediaSpec {
        key: "in_pub_in_pw",
        own: Level::Public,
        album: Some("pub_in_pw"),
    },
    MediaSpec {
        key: "in_pub_in_unl",
        own: Level::Public,
        album: Some("pub_in_unl"),
    },
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Owner,
    Other,
    Manager,
    Admin,
    Unlocked,
    BannedOwner,
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::Public => "public",
        Level::Unlisted => "unlisted",
        Level::Password => "password",
        Level::Private => "private",
    }
}

fn album_spec(key: &str) -> &'static AlbumSpec {
    ALBUMS.iter().find(|a| a.key == key).unwrap()
}

/// The chain of an album, itself first.
fn chain(key: &str) -> Vec<&'static AlbumSpec> {
    let mut out = vec![album_spec(key)];
    while let Some(p) = out.last().unwrap().parent {
        out.push(album_spec(p));
    }
    out
}

fn album_effective(key: &str) -> Level {
    chain(key).iter().map(|a| a.level).max().unwrap()
}

fn media_effective(m: &MediaSpec) -> Level {
    m.album.map_or(m.own, |a| m.own.max(album_effective(a)))
}

/// The written rules, restated independently of the code.
fn may_view(who: Who, level: Level, banned: bool) -> bool {
    match who {
        Who::Manager | Who::Admin => true,
        Who::BannedOwner => false,
        _ if banned => false,
        Who::Owner => true,
        Who::Unlocked => level <= Level::Password,
        Who::Anonymous | Who::Other => level <= Level::Unlisted,
    }
}

fn may_list_in_profile(who: Who, level: Level, banned: bool) -> bool {
    match who {
        Who::Manager | Who::Admin => true,
        Who::BannedOwner => false,
        _ if banned => false,
        Who::Owner => true,
        _ => level == Level::Public,
    }
}

struct Site {
    albums: BTreeMap<&'static str, String>,
    media: BTreeMap<&'static str, Value>,
    clients: Vec<(Who, reqwest::Client)>,
}

async fn build(app: &TestApp) -> Site {
    let owner = app.signup("olive").await;
    let other = app.signup("otto").await;
    let admin = app.admin("ada").await;
    let manager = app.signup("mona").await;
    let res = admin
        .patch(app.url("/api/v1/admin/users/mona"))
        .json(&json!({"role": "manager"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let manager_again = app.browser();
    assert_eq!(
        login(&manager_again, app, "mona", "correct horse")
            .await
            .status(),
        200
    );
    drop(manager);

    let mut albums = BTreeMap::new();
    for a in ALBUMS {
        let mut body = json!({"title": format!("Album {}", a.key), "privacy": level_name(a.level)});
        if a.level == Level::Password {
            body["password"] = json!("sesame");
        }
        if let Some(p) = a.parent {
            body["parent"] = json!(albums[p]);
        }
        let res = owner
            .post(app.url("/api/v1/albums"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        let v: Value = res.json().await.unwrap();
        assert_eq!(
            v["effective_privacy"],
            level_name(album_effective(a.key)),
            "{}",
            a.key
        );
        albums.insert(a.key, v["id"].as_str().unwrap().to_owned());
    }
    let mut media = BTreeMap::new();
    for (i, m) in MEDIA.iter().enumerate() {
        let bytes = jpeg(&JpegSpec {
            width: 1400 + i as u16,
            height: 1000,
            ..Default::default()
        });
        let mut form = Form::new()
            .part(
                "file",
                Part::bytes(bytes).file_name(format!("{}.jpg", m.key)),
            )
            .text("title", format!("Media {}", m.key))
            .text("privacy", level_name(m.own));
        if let Some(a) = m.album {
            form = form.text("album", albums[a].clone());
        }
        let res = owner
            .post(app.url("/api/v1/media"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
        media.insert(m.key, res.json().await.unwrap());
    }
    let unlocked = app.browser();
    let res = unlocked
        .post(app.url(&format!("/api/v1/albums/{}/unlock", albums["pw"])))
        .json(&json!({"password": "wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = unlocked
        .post(app.url(&format!("/api/v1/albums/{}/unlock", albums["pw"])))
        .json(&json!({"password": "sesame"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    Site {
        albums,
        media,
        clients: vec![
            (Who::Anonymous, app.browser()),
            (Who::Owner, owner),
            (Who::Other, other),
            (Who::Manager, manager_again),
            (Who::Admin, admin),
            (Who::Unlocked, unlocked),
        ],
    }
}

async fn status(c: &reqwest::Client, url: &str) -> u16 {
    c.get(url).send().await.unwrap().status().as_u16()
}

/// Every public id in every page of a listing.
async fn listed(c: &reqwest::Client, url: &str) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_url = match &cursor {
            Some(cur) => format!("{url}?limit=5&cursor={cur}"),
            None => format!("{url}?limit=5"),
        };
        let res = c.get(&page_url).send().await.unwrap();
        if res.status() != 200 {
            return None;
        }
        let v: Value = res.json().await.unwrap();
        for item in v["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
        match v["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
            None => return Some(ids),
        }
    }
}

/// Runs every cell; returns how many were checked.
async fn check_all(app: &TestApp, site: &Site, banned: bool) -> usize {
    let mut cells = 0;
    let mut failures = Vec::new();
    for (who, c) in &site.clients {
        let who = *who;
        let recent = listed(c, &app.url("/api/v1/media"))
            .await
            .unwrap_or_default();
        let profile = listed(c, &app.url("/api/v1/users/olive/media"))
            .await
            .unwrap_or_default();
        for m in MEDIA {
            let v = &site.media[m.key];
            let id = v["id"].as_str().unwrap();
            let level = media_effective(m);
            let view = may_view(who, level, banned);
            let mut check = |surface: &str, got: bool, want: bool| {
                cells += 1;
                if got != want {
                    failures.push(format!(
                        "{who:?} / media {} ({level:?}) / {surface}: got {got}, want {want}",
                        m.key
                    ));
                }
            };
            check(
                "api get",
                status(c, &app.url(&format!("/api/v1/media/{id}"))).await == 200,
                view,
            );
            check(
                "viewer page",
                status(c, &app.url(&format!("/image/{id}"))).await == 200,
                view,
            );
            let oembed = format!(
                "/oembed?url={}",
                url::form_urlencoded::byte_serialize(v["url"].as_str().unwrap().as_bytes())
                    .collect::<String>()
            );
            check("oembed", status(c, &app.url(&oembed)).await == 200, view);
            check(
                "embed codes",
                status(c, &app.url(&format!("/api/v1/media/{id}/embed"))).await == 200,
                view,
            );
            for (variant, path) in [
                ("original", "original"),
                ("medium", "medium"),
                ("thumb", "thumb"),
            ] {
                let url = v["files"][path]["url"].as_str().unwrap();
                check(
                    &format!("file {variant}"),
                    status(c, url).await == 200,
                    view,
                );
            }
            check(
                "recent listing",
                recent.iter().any(|x| x == id),
                !banned && level == Level::Public,
            );
            check(
                "profile listing",
                profile.iter().any(|x| x == id),
                may_list_in_profile(who, level, banned),
            );
            if let Some(a) = m.album {
                let album_open = may_view(who, album_effective(a), banned);
                let own_or_staff = matches!(who, Who::Owner | Who::Manager | Who::Admin)
                    && (who != Who::Owner || !banned);
                let want = album_open && (own_or_staff || m.own == Level::Public);
                let contents = listed(
                    c,
                    &app.url(&format!("/api/v1/albums/{}/media", site.albums[a])),
                )
                .await
                .unwrap_or_default();
                check("album contents", contents.iter().any(|x| x == id), want);
            }
        }
        let top = listed(c, &app.url("/api/v1/users/olive/albums"))
            .await
            .unwrap_or_default();
        for a in ALBUMS {
            let id = &site.albums[a.key];
            let level = album_effective(a.key);
            let view = may_view(who, level, banned);
            let mut check = |surface: &str, got: bool, want: bool| {
                cells += 1;
                if got != want {
                    failures.push(format!(
                        "{who:?} / album {} ({level:?}) / {surface}: got {got}, want {want}",
                        a.key
                    ));
                }
            };
            check(
                "album get",
                status(c, &app.url(&format!("/api/v1/albums/{id}"))).await == 200,
                view,
            );
            match a.parent {
                None => check(
                    "profile albums",
                    top.iter().any(|x| x == id),
                    may_list_in_profile(who, level, banned),
                ),
                Some(parent_key) => {
                    let parent = &site.albums[parent_key];
                    let subs = listed(c, &app.url(&format!("/api/v1/albums/{parent}/albums")))
                        .await
                        .unwrap_or_default();
                    check(
                        "sub-album listing",
                        subs.iter().any(|x| x == id),
                        may_list_in_profile(who, level, banned)
                            && may_view(who, album_effective(parent_key), banned),
                    );
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    cells
}

async fn visibility_matrix(app: &TestApp) {
    let mut site = build(app).await;
    let cells = check_all(app, &site, false).await;

    // Counts and covers: visitors count only what they would see listed, and a media item
    // they may not see never becomes their cover, even when chosen or newest.
    let owner = &site.clients[1].1;
    let pub_album = &site.albums["pub"];
    let res = owner
        .patch(app.url(&format!("/api/v1/albums/{pub_album}")))
        .json(&json!({"cover": site.media["priv_in_pub"]["id"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mine: Value = res.json().await.unwrap();
    assert_eq!(mine["media_count"], 3);
    assert_eq!(mine["cover"]["id"], site.media["priv_in_pub"]["id"]);
    let seen: Value = app
        .browser()
        .get(app.url(&format!("/api/v1/albums/{pub_album}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen["media_count"], 1,
        "only the public item counts for visitors"
    );
    assert_eq!(
        seen["cover"]["id"], site.media["in_pub"]["id"],
        "the private cover is replaced"
    );
    let locked: Value = app
        .browser()
        .get(app.url(&format!("/api/v1/albums/{}", site.albums["pw"])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(locked["error"]["code"], "album_password_required");
    // The same in listings (counted and covered for the whole page at once).
    let listing: Value = app
        .browser()
        .get(app.url("/api/v1/users/olive/albums"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == pub_album.as_str())
        .unwrap();
    assert_eq!(listed["media_count"], 1);
    assert_eq!(listed["cover"]["id"], site.media["in_pub"]["id"]);
    let own_listing: Value = owner
        .get(app.url("/api/v1/me/albums"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let own = own_listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == pub_album.as_str())
        .unwrap();
    assert_eq!(own["media_count"], 3);
    assert_eq!(own["cover"]["id"], site.media["priv_in_pub"]["id"]);

    // A banned owner's content disappears for everyone but staff.
    let admin = site.clients[4].1.clone();
    let res = admin
        .patch(app.url("/api/v1/admin/users/olive"))
        .json(&json!({"status": "banned"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    site.clients[1].0 = Who::BannedOwner;
    let banned_cells = check_all(app, &site, true).await;
    eprintln!("visibility matrix: {} cells checked", cells + banned_cells);
    assert!(cells + banned_cells > 500);
}

async fn albums_nest_move_and_delete(app: &TestApp) {
    let c = app.signup("nina").await;
    let create = |title: &str, parent: Option<&str>| {
        let mut body = json!({"title": title});
        if let Some(p) = parent {
            body["parent"] = json!(p);
        }
        c.post(app.url("/api/v1/albums")).json(&body).send()
    };
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let a: Value = create("A", None).await.unwrap().json().await.unwrap();
    let b: Value = create("B", Some(&id(&a)))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cc: Value = create("C", Some(&id(&b)))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cc["breadcrumb"].as_array().unwrap().len(), 2);
    // Cycles are refused: A under C (its grandchild), A under itself.
    for parent in [id(&cc), id(&a)] {
        let res = c
            .post(app.url("/api/v1/albums/move"))
            .json(&json!({"albums": [id(&a)], "parent": parent}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "cycle through {parent}");
    }
    // Someone else's album cannot be a parent or be moved.
    let other = app.signup("nils").await;
    let theirs: Value = other
        .post(app.url("/api/v1/albums"))
        .json(&json!({"title": "T"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = c
        .post(app.url("/api/v1/albums/move"))
        .json(&json!({"albums": [id(&cc)], "parent": id(&theirs)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // Media in B and C; counts follow moves.
    let upload = |album: String, w: u32| {
        let form = Form::new()
            .part("file", Part::bytes(png_rgb(w, 30)).file_name("x.png"))
            .text("album", album);
        c.post(app.url("/api/v1/media")).multipart(form).send()
    };
    let m1: Value = upload(id(&b), 40).await.unwrap().json().await.unwrap();
    let m2: Value = upload(id(&cc), 41).await.unwrap().json().await.unwrap();
    let count = |album: String| {
        let c = c.clone();
        let url = app.url(&format!("/api/v1/albums/{album}"));
        async move {
            c.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["media_count"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!((count(id(&b)).await, count(id(&cc)).await), (1, 1));
    let res = c
        .post(app.url("/api/v1/media/move"))
        .json(&json!({"media": [id(&m1)], "album": id(&cc)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!((count(id(&b)).await, count(id(&cc)).await), (0, 2));
    // Moving C to the top keeps its media; then deleting B moves nothing (empty), deleting C
    // with move_up puts its media at the top level.
    let res = c
        .post(app.url("/api/v1/albums/move"))
        .json(&json!({"albums": [id(&cc)], "parent": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let moved: Value = c
        .get(app.url(&format!("/api/v1/albums/{}", id(&cc))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(moved["parent"].is_null());
    assert_eq!(moved["media_count"], 2);
    let res = c
        .delete(app.url(&format!("/api/v1/albums/{}", id(&cc))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let m: Value = c
        .get(app.url(&format!("/api/v1/media/{}", id(&m2))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(m["album"].is_null(), "moved up to no album");
    // Deleting a private album and moving its contents up keeps them private.
    let vault: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&json!({"title": "Vault", "privacy": "private"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kept: Value = upload(id(&vault), 43).await.unwrap().json().await.unwrap();
    assert_eq!(kept["privacy"], "public", "its own level");
    let inner: Value = create("Inner", Some(&id(&vault)))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    c.delete(app.url(&format!("/api/v1/albums/{}", id(&vault))))
        .send()
        .await
        .unwrap();
    let m: Value = c
        .get(app.url(&format!("/api/v1/media/{}", id(&kept))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        m["privacy"], "private",
        "raised to the deleted album's level"
    );
    assert_eq!(
        app.browser()
            .get(m["files"]["original"]["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let inner: Value = c
        .get(app.url(&format!("/api/v1/albums/{}", id(&inner))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inner["privacy"], "private");
    // Deleting A with its contents deletes B, its media and leaves files to the collector.
    let m3: Value = upload(id(&b), 42).await.unwrap().json().await.unwrap();
    let file = m3["files"]["original"]["url"].as_str().unwrap().to_owned();
    let res = c
        .delete(app.url(&format!("/api/v1/albums/{}?contents=delete", id(&a))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        c.get(app.url(&format!("/api/v1/albums/{}", id(&b))))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(c.get(&file).send().await.unwrap().status(), 404);
    app.run_jobs().await;
    let gc = app
        .server
        .state
        .app
        .gc(std::time::Duration::ZERO)
        .await
        .unwrap();
    let check = app.server.state.app.check().await.unwrap();
    assert!(
        check.is_consistent(),
        "no orphans after the collector: {check:?} (gc: {gc:?})"
    );
}

async fn pagination_is_stable_under_inserts(app: &TestApp) {
    let c = app.signup("pia").await;
    let upload = |w: u32| {
        let form = Form::new().part("file", Part::bytes(png_rgb(w, 20)).file_name("p.png"));
        c.post(app.url("/api/v1/media")).multipart(form).send()
    };
    let mut expected = Vec::new();
    for w in 0..12 {
        let v: Value = upload(20 + w).await.unwrap().json().await.unwrap();
        expected.push(v["id"].as_str().unwrap().to_owned());
    }
    expected.reverse();
    for url in [
        "/api/v1/me/media",
        "/api/v1/media",
        "/api/v1/users/pia/media",
    ] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut extra = 0;
        loop {
            let page_url = match &cursor {
                Some(cur) => app.url(&format!("{url}?limit=5&cursor={cur}")),
                None => app.url(&format!("{url}?limit=5")),
            };
            let v: Value = c.get(page_url).send().await.unwrap().json().await.unwrap();
            for item in v["items"].as_array().unwrap() {
                seen.push(item["id"].as_str().unwrap().to_owned());
            }
            // New media arrive between pages: they belong before the cursor, not in later pages.
            upload(200 + extra).await.unwrap();
            extra += 1;
            match v["next_cursor"].as_str() {
                Some(n) => cursor = Some(n.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, expected, "{url}: no duplicates, no gaps");
        // Everything uploaded meanwhile is newer: start the next round from the top.
        let v: Value = c
            .get(app.url(&format!("{url}?limit=100")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        expected = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect();
    }
}

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
    let p: Value = anon
        .get(app.url("/api/v1/users/priya"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let p: Value = anon
        .get(app.url("/api/v1/users/priya"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let recent: Value = anon
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

async fn avatars_covers_and_album_sort_orders(app: &TestApp) {
    let c = app.signup("ava").await;
    let put = |path: &'static str, w: u16, h: u16| {
        let form = Form::new().part(
            "file",
            Part::bytes(jpeg(&JpegSpec {
                width: w,
                height: h,
                ..Default::default()
            }))
            .file_name("p.jpg"),
        );
        c.put(app.url(path)).multipart(form).send()
    };
    let res = put("/api/v1/me/avatar", 900, 600).await.unwrap();
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.unwrap();
    assert_eq!(
        first["files"]["thumb"]["width"], 256,
        "the avatar size preset"
    );
    assert_eq!(first["files"]["medium"]["width"], 512);
    let res = put("/api/v1/me/cover", 2400, 800).await.unwrap();
    let cover: Value = res.json().await.unwrap();
    assert_eq!(
        cover["files"]["medium"]["width"], 1600,
        "the cover size preset"
    );
    let p: Value = app
        .browser()
        .get(app.url("/api/v1/users/ava"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let avatar_url = p["avatar_url"].as_str().unwrap().to_owned();
    assert_eq!(
        app.browser()
            .get(&avatar_url)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(p["cover_url"].as_str().unwrap().contains(".md."));
    // Profile images are never listed, even to their owner.
    let mine: Value = c
        .get(app.url("/api/v1/me/media"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"].as_array().unwrap().len(), 0);
    // A new avatar replaces (and deletes) the old one.
    let second: Value = put("/api/v1/me/avatar", 700, 700)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_ne!(second["id"], first["id"]);
    assert_eq!(
        app.browser()
            .get(first["files"]["original"]["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        c.delete(app.url("/api/v1/me/avatar"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let p: Value = app
        .browser()
        .get(app.url("/api/v1/users/ava"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(p["avatar_url"].is_null());

    // Album sort orders: newest, oldest, title, most viewed.
    let album: Value = c
        .post(app.url("/api/v1/albums"))
        .json(&json!({"title": "Sorted"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let aid = album["id"].as_str().unwrap().to_owned();
    let mut ids = Vec::new();
    for (i, title) in ["banana", "apple", "cherry"].iter().enumerate() {
        let form = Form::new()
            .part(
                "file",
                Part::bytes(png_rgb(20 + i as u32, 20)).file_name("s.png"),
            )
            .text("title", title.to_string())
            .text("album", aid.clone());
        let m: Value = c
            .post(app.url("/api/v1/media"))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ids.push(m["id"].as_str().unwrap().to_owned());
    }
    // "apple" gets two views, "cherry" one.
    for (idx, viewers) in [(1usize, ["x", "y"].as_slice()), (2, ["x"].as_slice())] {
        for ua in viewers {
            let v = reqwest::Client::builder().user_agent(*ua).build().unwrap();
            v.get(app.url(&format!("/image/{}", ids[idx])))
                .send()
                .await
                .unwrap();
        }
    }
    let order = |sort: &'static str| {
        let c = c.clone();
        let aid = aid.clone();
        async move {
            let res = c
                .patch(app.url(&format!("/api/v1/albums/{aid}")))
                .json(&json!({"sort": sort}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let v: Value = app
                .browser()
                .get(app.url(&format!("/api/v1/albums/{aid}/media?limit=2")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let mut titles: Vec<String> = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_owned())
                .collect();
            let next = v["next_cursor"].as_str().unwrap().to_owned();
            let v: Value = app
                .browser()
                .get(app.url(&format!("/api/v1/albums/{aid}/media?limit=2&cursor={next}")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            titles.extend(
                v["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["title"].as_str().unwrap().to_owned()),
            );
            titles
        }
    };
    assert_eq!(order("newest").await, ["cherry", "apple", "banana"]);
    assert_eq!(order("oldest").await, ["banana", "apple", "cherry"]);
    assert_eq!(order("title").await, ["apple", "banana", "cherry"]);
    assert_eq!(order("views").await, ["apple", "cherry", "banana"]);
    let res = c
        .patch(app.url(&format!("/api/v1/albums/{aid}")))
        .json(&json!({"sort": "random"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
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
