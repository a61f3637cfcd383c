//! Faults of the object store: the S3 server going down, hanging (accepting connections and
//! never answering) and failing (answering 503 to everything), behind a relay to the real S3
//! test server. Requests retry with backoff
//! within a bounded time, then the upload is refused with a clear 503 and nothing of it is
//! kept; pages that need no file keep working; when the store is back, everything works again
//! and nothing acknowledged was lost. Needs VITRINE_TEST_S3_ENDPOINT.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vitrine_media::fixtures::png_rgb;
use vitrine_server::storage_config::ServeMode;

use crate::media::upload;
use crate::relay::Relay;
use crate::s3_delivery::use_s3;
use crate::support::{Backend, TestApp, chevereto_upload, create_key, get_json};

/// Every failure must come within retries' bound: 3 x the 2 s timeout, plus slack.
const BOUND: Duration = Duration::from_secs(20);

async fn expect_unavailable(res: reqwest::Response, started: Instant, what: &str) {
    let took = started.elapsed();
    assert_eq!(res.status(), 503, "{what}");
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "storage_unavailable", "{what}: {v}");
    assert!(took < BOUND, "{what} took {took:?}");
    eprintln!("{what}: 503 storage_unavailable after {took:.1?}");
}

#[tokio::test]
async fn an_unreachable_or_hung_store_gets_a_clear_503_and_loses_nothing() {
    let mut relay = None;
    let mut on = false;
    let app = TestApp::start_with(Backend::Sqlite, "store_faults", |c| {
        on = use_s3(c, ServeMode::Proxy);
        if !on {
            return;
        }
        let endpoint = c.storage.s3.endpoint.clone().expect("endpoint");
        let target: SocketAddr = endpoint.socket_addrs(|| None).unwrap()[0];
        let r = Relay::start(target);
        c.storage.s3.endpoint = Some(format!("http://{}", r.addr).parse().unwrap());
        c.storage.s3.timeout_secs = 2;
        relay = Some(r);
    })
    .await
    .expect("sqlite");
    if !on {
        eprintln!("skipped store_faults: VITRINE_TEST_S3_ENDPOINT is not set");
        app.stop().await;
        return;
    }
    let mut relay = relay.expect("relay");
    let c = app.signup("storefault").await;
    let key = create_key(&c, &app).await;
    let res = upload(&c, &app, png_rgb(60, 40), "before.png", &[]).await;
    assert_eq!(res.status(), 201);
    let before: Value = res.json().await.unwrap();
    let original = before["files"]["original"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = before["url"].as_str().unwrap().to_owned();

    for (round, label) in ["down", "hung", "failing"].into_iter().enumerate() {
        match label {
            "down" => relay.stop().await,
            "hung" => relay.black_hole().await,
            _ => relay.fail().await,
        }
        let started = Instant::now();
        let res = upload(&c, &app, png_rgb(50, 50), "during.png", &[]).await;
        expect_unavailable(res, started, &format!("upload while {label}")).await;
        let started = Instant::now();
        let res = c.get(&original).send().await.unwrap();
        expect_unavailable(res, started, &format!("file while {label}")).await;
        // ShareX and other Chevereto clients get the API's own 503.
        let (status, reply) = chevereto_upload(&app, &key, &png_rgb(40, 40), "cv.png").await;
        assert_eq!(
            (status, &reply["status_code"]),
            (503, &json!(503)),
            "{label}: {reply}"
        );
        // What needs no file still works.
        assert_eq!(c.get(&page).send().await.unwrap().status(), 200, "{label}");
        assert_eq!(
            app.bare().get(app.url("/")).send().await.unwrap().status(),
            200
        );
        let mine: Value = get_json(&c, app.url("/api/v1/me/media")).await;
        // The first upload and one per earlier round; none of this round's.
        assert_eq!(
            mine["items"].as_array().unwrap().len(),
            1 + round,
            "{label}: {mine}"
        );
        let tmp = app.data_dir().join("tmp");
        let left = std::fs::read_dir(&tmp).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0, "{label}: temp files left");

        relay.restart().await;
        let res = c.get(&original).send().await.unwrap();
        assert_eq!(res.status(), 200, "after {label}");
        let res = upload(
            &c,
            &app,
            png_rgb(30, 30),
            &format!("after-{label}.png"),
            &[],
        )
        .await;
        assert_eq!(res.status(), 201, "after {label}");
    }
    app.stop().await;
}
