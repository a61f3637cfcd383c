//! `vitrine db copy`: a populated SQLite site copied to a fresh PostgreSQL or MariaDB database
//! serves the same accounts, keys, albums and files from there, and keeps working (new ids
//! follow the copied ones); a non-empty target is refused unless forced.

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use vitrine_media::fixtures::*;

use crate::support::{Backend, TestApp, create_key, login};

#[tokio::test]
async fn sqlite_site_copied_to_postgres_keeps_working() {
    copy_sqlite_site_to("VITRINE_TEST_POSTGRES_URL", "pg").await;
}

#[tokio::test]
async fn sqlite_site_copied_to_mariadb_keeps_working() {
    copy_sqlite_site_to("VITRINE_TEST_MYSQL_URL", "my").await;
}

async fn copy_sqlite_site_to(var: &str, tag: &str) {
    let Some(base) = std::env::var(var).ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped db copy: {var} is not set");
        return;
    };
    let a = TestApp::start(Backend::Sqlite, "db_copy").await.unwrap();
    let c = a.signup("carla").await;
    let key = create_key(&c, &a).await;
    let album: Value = c
        .post(a.url("/api/v1/albums"))
        .json(&json!({"title": "Trips", "privacy": "password", "password": "sesame"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let aid = album["id"].as_str().unwrap().to_owned();
    let child: Value = c
        .post(a.url("/api/v1/albums"))
        .json(&json!({"title": "Day 1", "parent": aid}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let form = Form::new()
        .part("file", Part::bytes(png_rgb(60, 40)).file_name("a.png"))
        .text("tags", "sea, sun")
        .text("album", child["id"].as_str().unwrap().to_owned());
    let m: Value = c
        .post(a.url("/api/v1/media"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let original = c
        .get(m["files"]["original"]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();

    let db = format!("vt_copy_{tag}_{}", std::process::id());
    let pg = vitrine_db::test_support::create_test_database(&base, &db)
        .await
        .unwrap();
    let sqlite = a.server.state.config.database_url();
    vitrine_server::db_copy::run(&sqlite, &pg, false)
        .await
        .unwrap();
    let again = vitrine_server::db_copy::run(&sqlite, &pg, false).await;
    assert!(
        again
            .unwrap_err()
            .to_string()
            .contains("already holds data")
    );
    vitrine_server::db_copy::run(&sqlite, &pg, true)
        .await
        .unwrap();

    let dir = a.data_dir();
    let b = TestApp::start_with(Backend::Sqlite, "db_copy_b", |cfg| {
        cfg.database_url = Some(pg.clone());
        cfg.data_dir = dir.clone();
    })
    .await
    .unwrap();
    let bc = b.browser();
    assert_eq!(login(&bc, &b, "carla", "correct horse").await.status(), 200);
    let res = b
        .bare()
        .get(b.url("/api/v1/me"))
        .header("X-API-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the API key works on the copy");
    let id = m["id"].as_str().unwrap();
    let copied: Value = bc
        .get(b.url(&format!("/api/v1/media/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(copied["tags"], json!(["sea", "sun"]));
    assert_eq!(copied["album"], child["id"]);
    let url = copied["files"]["original"]["url"].as_str().unwrap();
    assert_eq!(
        bc.get(url).send().await.unwrap().bytes().await.unwrap(),
        original,
        "byte-identical"
    );
    let sub: Value = bc
        .get(b.url(&format!("/api/v1/albums/{}", child["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sub["parent"], album["id"], "nesting kept");
    assert_eq!(sub["effective_privacy"], "password");
    // Anonymous visitors still need the password.
    assert_eq!(
        b.browser()
            .get(b.url(&format!("/api/v1/media/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // New rows get new ids after the copied ones.
    let form = Form::new().part("file", Part::bytes(png_rgb(61, 40)).file_name("b.png"));
    assert_eq!(
        bc.post(b.url("/api/v1/media"))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let more: Value = bc
        .post(b.url("/api/v1/albums"))
        .json(&json!({"title": "New"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(more["id"].is_string());
    b.stop().await;
    a.stop().await;
    vitrine_db::test_support::drop_test_database(&base, &db)
        .await
        .unwrap();
}
