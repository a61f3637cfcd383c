//! Albums over HTTP: nesting without cycles, moves that keep counts right, deletion that moves
//! contents up (keeping their restriction) or deletes them (no orphans after gc), keyset
//! pagination stable under inserts, sort orders, and profile images.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use vitrine_media::fixtures::*;

use crate::support::{TestApp, get_json};

crate::backend_tests!(
    albums_nest_move_and_delete,
    pagination_is_stable_under_inserts,
    avatars_covers_and_album_sort_orders,
);

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
    let moved: Value = get_json(&c, app.url(&format!("/api/v1/albums/{}", id(&cc)))).await;
    assert!(moved["parent"].is_null());
    assert_eq!(moved["media_count"], 2);
    let res = c
        .delete(app.url(&format!("/api/v1/albums/{}", id(&cc))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let m: Value = get_json(&c, app.url(&format!("/api/v1/media/{}", id(&m2)))).await;
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
    let m: Value = get_json(&c, app.url(&format!("/api/v1/media/{}", id(&kept)))).await;
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
    let inner: Value = get_json(&c, app.url(&format!("/api/v1/albums/{}", id(&inner)))).await;
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
            let v: Value = get_json(&c, page_url).await;
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
        let v: Value = get_json(&c, app.url(&format!("{url}?limit=100"))).await;
        expected = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect();
    }
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
    let p: Value = get_json(&app.browser(), app.url("/api/v1/users/ava")).await;
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
    let mine: Value = get_json(&c, app.url("/api/v1/me/media")).await;
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
    let p: Value = get_json(&app.browser(), app.url("/api/v1/users/ava")).await;
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
            let v: Value = get_json(
                &app.browser(),
                app.url(&format!("/api/v1/albums/{aid}/media?limit=2")),
            )
            .await;
            let mut titles: Vec<String> = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["title"].as_str().unwrap().to_owned())
                .collect();
            let next = v["next_cursor"].as_str().unwrap().to_owned();
            let v: Value = get_json(
                &app.browser(),
                app.url(&format!("/api/v1/albums/{aid}/media?limit=2&cursor={next}")),
            )
            .await;
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
