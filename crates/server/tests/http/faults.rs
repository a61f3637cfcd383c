//! Faults: the database going away and coming back. A TCP relay stands between the site and
//! the database server; stopping it cuts every open connection and closes new ones, which is
//! what the site sees when its database restarts (stopping the shared server itself would
//! break the tests running beside this one). Disk full is in `disk_full.rs`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::Value;
use vitrine_media::fixtures::png_rgb;

use crate::media::upload;
use crate::relay::Relay;
use crate::support::{Backend, TestApp, create_key, error_code, get_json};

/// The database server's address in a `scheme://user@host:port/db` URL.
fn db_addr(url: &str) -> SocketAddr {
    let parsed = url::Url::parse(url).expect("database url");
    let host = parsed.host_str().expect("host");
    let port = parsed
        .port_or_known_default()
        .unwrap_or(match parsed.scheme() {
            "postgres" | "postgresql" => 5432,
            _ => 3306,
        });
    let host = if host == "localhost" {
        "127.0.0.1"
    } else {
        host
    };
    format!("{host}:{port}")
        .parse()
        .expect("numeric database address")
}

fn through(url: &str, relay: SocketAddr) -> String {
    let mut parsed = url::Url::parse(url).expect("database url");
    parsed.set_ip_host(relay.ip()).expect("host");
    parsed.set_port(Some(relay.port())).expect("port");
    parsed.to_string()
}

async fn outage_and_recovery(backend: Backend, name: &str) {
    let mut relay = None;
    let Some(app) = TestApp::start_with(backend, name, |config| {
        let url = config.database_url.clone().expect("database url");
        let target = db_addr(&url);
        let r = Relay::start(target);
        config.database_url = Some(through(&url, r.addr));
        relay = Some(r);
    })
    .await
    else {
        return;
    };
    let mut relay = relay.expect("relay");
    let c = app.signup("outage").await;
    let key = create_key(&c, &app).await;
    let res = upload(&c, &app, png_rgb(40, 30), "before.png", &[]).await;
    assert_eq!(res.status(), 201);
    let before: Value = res.json().await.unwrap();
    let before_url = before["files"]["original"]["url"]
        .as_str()
        .expect("original url")
        .to_owned();
    let guest = app.bare();
    assert_eq!(guest.get(app.url("/")).send().await.unwrap().status(), 200);

    relay.stop().await;
    let started = Instant::now();
    let page = guest.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 503, "a page while the database is down");
    assert!(
        page.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = page.text().await.unwrap();
    assert!(body.contains("database is unreachable"), "{body}");
    // The pool waits up to its acquire timeout for a connection; the page must not wait twice.
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "503 page took {:?}",
        started.elapsed()
    );
    let api = c.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(api.status(), 503);
    assert_eq!(error_code(api).await, "database_unavailable");
    let ready = guest.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        guest
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "the process itself is alive"
    );
    let chev = guest
        .post(app.url("/api/1/upload"))
        .query(&[("key", key.as_str()), ("format", "json")])
        .multipart(reqwest::multipart::Form::new().part(
            "source",
            reqwest::multipart::Part::bytes(png_rgb(20, 20)).file_name("during.png"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(chev.status(), 503, "an upload is refused, not half-stored");

    relay.restart().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = guest.get(app.url("/")).send().await.unwrap().status();
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the site did not recover: {status}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Everything works again without a restart, and nothing acknowledged was lost.
    assert_eq!(
        c.get(app.url("/api/v1/me")).send().await.unwrap().status(),
        200,
        "the session survived"
    );
    let res = upload(&c, &app, png_rgb(30, 20), "after.png", &[]).await;
    assert_eq!(res.status(), 201);
    assert_eq!(guest.get(&before_url).send().await.unwrap().status(), 200);
    let listed: Value = get_json(&c, app.url("/api/v1/me/media")).await;
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );
    app.stop().await;
}

#[tokio::test]
async fn postgres_outage_and_recovery() {
    outage_and_recovery(Backend::Postgres, "pg_outage").await;
}

#[tokio::test]
async fn mariadb_outage_and_recovery() {
    outage_and_recovery(Backend::MySql, "my_outage").await;
}

/// Processing that overruns its time budget: the upload is refused cleanly (422 on the API,
/// the contract's 400 on the Chevereto endpoint) and nothing of it is stored.
#[tokio::test]
async fn processing_past_its_budget_is_refused_cleanly() {
    let app = TestApp::start_with(Backend::Sqlite, "slow_processing", |c| {
        c.processing_timeout_secs = 0.000_001;
    })
    .await
    .expect("sqlite always runs");
    let c = app.signup("patience").await;
    let key = create_key(&c, &app).await;
    let image = png_rgb(1600, 1200);
    let res = upload(&c, &app, image.clone(), "slow.png", &[]).await;
    assert_eq!(res.status(), 422);
    assert_eq!(error_code(res).await, "processing_timeout");
    let chev = app
        .bare()
        .post(app.url("/api/1/upload"))
        .header("x-api-key", &key)
        .multipart(reqwest::multipart::Form::new().part(
            "source",
            reqwest::multipart::Part::bytes(image).file_name("slow.png"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(chev.status(), 400);
    let body: Value = chev.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too long"),
        "{body}"
    );
    let listed: Value = get_json(&c, app.url("/api/v1/me/media")).await;
    assert_eq!(listed["items"], serde_json::json!([]));
    // Give the abandoned work time to end; it must leave nothing behind either.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let left = |dir: &str| {
        std::fs::read_dir(app.data_dir().join(dir))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    assert_eq!(left("tmp"), 0);
    assert_eq!(left("media"), 0);
    assert_eq!(
        app.bare().get(app.url("/")).send().await.unwrap().status(),
        200
    );
    app.stop().await;
}
