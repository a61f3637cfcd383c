//! The visibility matrix: every privacy level and album-chain combination x every kind of
//! visitor x every surface that can show a media item or an album (API read, viewer page, each
//! file variant, the recent listing, the owner's listing, album contents, album reads, album
//! listings, counts and covers, the album named by a media read, an album's parent and
//! breadcrumb, listing cursors, oEmbed and album unlocking) against an expected answer computed
//! from the written rules. What a visitor may not see must answer byte for byte as what does
//! not exist. A surface that forgot the check fails here.

use std::collections::BTreeMap;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use vitrine_media::fixtures::*;

use crate::support::{TestApp, get_json, login};

crate::backend_tests!(visibility_matrix);

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
    AlbumSpec {
        key: "pw_in_priv",
        level: Level::Password,
        parent: Some("priv"),
    },
    AlbumSpec {
        key: "pw_in_pw",
        level: Level::Password,
        parent: Some("pw"),
    },
];

/// The album whose password the `Unlocked` visitor has entered (no other).
const UNLOCKED_ALBUM: &str = "pw";

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
    MediaSpec {
        key: "in_pw_in_pw",
        own: Level::Public,
        album: Some("pw_in_pw"),
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

/// Whether the `Unlocked` visitor holds every password an album chain asks for.
fn passwords_held(album: Option<&str>) -> bool {
    album.is_none_or(|a| {
        chain(a)
            .iter()
            .all(|x| x.level != Level::Password || x.key == UNLOCKED_ALBUM)
    })
}

/// The written rules, restated independently of the code. `album` is the thing's album (or
/// the album itself), for the passwords it needs.
fn may_view(who: Who, level: Level, banned: bool, album: Option<&str>) -> bool {
    match who {
        Who::Manager | Who::Admin => true,
        Who::BannedOwner => false,
        _ if banned => false,
        Who::Owner => true,
        Who::Unlocked if level == Level::Password => passwords_held(album),
        Who::Unlocked | Who::Anonymous | Who::Other => level <= Level::Unlisted,
    }
}

/// Whether an album may be named where the visitor did not come in through its own link (a
/// parent, a breadcrumb, a media item's album): as viewing, except that an unlisted album is
/// named to its owner and staff only.
fn may_mention(who: Who, album: &str, banned: bool) -> bool {
    let level = album_effective(album);
    may_view(who, level, banned, Some(album))
        && (level != Level::Unlisted || matches!(who, Who::Owner | Who::Manager | Who::Admin))
}

/// The album a refused visitor is asked the password of: the outermost one still locked.
fn asked_password_of(who: Who, album: &str) -> Option<&'static str> {
    chain(album)
        .iter()
        .rev()
        .find(|a| a.level == Level::Password && !(who == Who::Unlocked && a.key == UNLOCKED_ALBUM))
        .map(|a| a.key)
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

/// A well-formed public id that names nothing.
const MISSING: &str = "zzzzzzzzzzzz";

/// Status and body of a GET.
async fn answer(c: &reqwest::Client, url: &str) -> (u16, String) {
    let res = c.get(url).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
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
            let view = may_view(who, level, banned, m.album);
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
            // What the visitor may not see answers exactly as what does not exist, on every
            // surface, except an album password the visitor could enter, which names the
            // outermost album still locked.
            let password_refusal = !view && !banned && level == Level::Password;
            let oembed_missing = format!(
                "/oembed?url={}",
                url::form_urlencoded::byte_serialize(
                    app.url(&format!("/image/{MISSING}")).as_bytes()
                )
                .collect::<String>()
            );
            for (surface, url, missing) in [
                (
                    "api get",
                    format!("/api/v1/media/{id}"),
                    format!("/api/v1/media/{MISSING}"),
                ),
                ("oembed", oembed.clone(), oembed_missing),
                (
                    "embed codes",
                    format!("/api/v1/media/{id}/embed"),
                    format!("/api/v1/media/{MISSING}/embed"),
                ),
            ] {
                if view {
                    continue;
                }
                let got = answer(c, &app.url(&url)).await;
                if password_refusal {
                    let asked = asked_password_of(who, m.album.unwrap()).unwrap();
                    let named = &site.albums[asked];
                    check(
                        &format!("{surface} asks the outermost locked album's password"),
                        got.0 == 403
                            && got.1.contains("album_password_required")
                            && got.1.contains(named.as_str()),
                        true,
                    );
                } else {
                    check(
                        &format!("{surface} answers as a missing item"),
                        got == answer(c, &app.url(&missing)).await,
                        true,
                    );
                }
            }
            if view {
                let got: Value = get_json(c, app.url(&format!("/api/v1/media/{id}"))).await;
                check(
                    "api get names the album",
                    !got["album"].is_null(),
                    m.album.is_some_and(|a| may_mention(who, a, banned)),
                );
            }
            // A listing cursor is accepted only for an item listed to the visitor; any other
            // answers as an unknown id.
            let listable = may_list_in_profile(who, level, banned);
            let got = answer(c, &app.url(&format!("/api/v1/media?limit=5&cursor={id}"))).await;
            if listable {
                check("cursor accepted", got.0 == 200, true);
            } else {
                let unknown = answer(
                    c,
                    &app.url(&format!("/api/v1/media?limit=5&cursor={MISSING}")),
                )
                .await;
                check(
                    "cursor answers as an unknown id",
                    got == unknown && got.0 == 422,
                    true,
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
                let album_open = may_view(who, album_effective(a), banned, Some(a));
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
            let view = may_view(who, level, banned, Some(a.key));
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
            if view {
                let got: Value = get_json(c, app.url(&format!("/api/v1/albums/{id}"))).await;
                let crumbs: Vec<&str> = got["breadcrumb"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_str().unwrap())
                    .collect();
                let ancestors: Vec<&AlbumSpec> = chain(a.key).into_iter().skip(1).collect();
                // Named up to the first ancestor that may not be named, nearest first.
                let named: Vec<&str> = ancestors
                    .iter()
                    .take_while(|x| may_mention(who, x.key, banned))
                    .map(|x| site.albums[x.key].as_str())
                    .collect();
                check(
                    "parent named",
                    !got["parent"].is_null(),
                    a.parent.is_some_and(|p| may_mention(who, p, banned)),
                );
                check(
                    "breadcrumb names only what may be named",
                    crumbs.iter().rev().copied().eq(named.iter().copied()),
                    true,
                );
            }
            if a.key == "pw_in_priv" {
                // Unlocking checks the whole chain: a password album that no password opens
                // for this visitor answers as a missing album.
                let unlock = |album: String| {
                    let c = c.clone();
                    async move {
                        let res = c
                            .post(album)
                            .json(&json!({"password": "wrong"}))
                            .send()
                            .await
                            .unwrap();
                        (res.status().as_u16(), res.text().await.unwrap())
                    }
                };
                let got = unlock(app.url(&format!("/api/v1/albums/{id}/unlock"))).await;
                // Past the private album above it: its owner and staff only.
                let openable = may_view(who, Level::Private, banned, None);
                if openable {
                    check("unlock tries the password", got.0 == 403, true);
                } else {
                    let missing =
                        unlock(app.url(&format!("/api/v1/albums/{MISSING}/unlock"))).await;
                    check(
                        "unlock answers as a missing album",
                        got == missing && got.0 == 404,
                        true,
                    );
                }
            }
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
                            && may_view(who, album_effective(parent_key), banned, Some(parent_key)),
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
    let seen: Value = get_json(
        &app.browser(),
        app.url(&format!("/api/v1/albums/{pub_album}")),
    )
    .await;
    assert_eq!(
        seen["media_count"], 1,
        "only the public item counts for visitors"
    );
    assert_eq!(
        seen["cover"]["id"], site.media["in_pub"]["id"],
        "the private cover is replaced"
    );
    let locked: Value = get_json(
        &app.browser(),
        app.url(&format!("/api/v1/albums/{}", site.albums["pw"])),
    )
    .await;
    assert_eq!(locked["error"]["code"], "album_password_required");
    // The same in listings (counted and covered for the whole page at once).
    let listing: Value = get_json(&app.browser(), app.url("/api/v1/users/olive/albums")).await;
    let listed = listing["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == pub_album.as_str())
        .unwrap();
    assert_eq!(listed["media_count"], 1);
    assert_eq!(listed["cover"]["id"], site.media["in_pub"]["id"]);
    let own_listing: Value = get_json(owner, app.url("/api/v1/me/albums")).await;
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
    // The first run's wrong unlock attempts leave the throttle's window.
    app.clock.advance(16 * 60);
    let banned_cells = check_all(app, &site, true).await;
    eprintln!("visibility matrix: {} cells checked", cells + banned_cells);
    assert!(cells + banned_cells > 500);
}
