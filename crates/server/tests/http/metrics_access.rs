//! Who may read `/metrics` and where: `metrics.token` (a bearer token) and `metrics.bind` (a
//! listener of its own, the site's `/metrics` then unknown), and start-up refusing an address
//! it cannot have. With neither set, `errors_and_ops` checks the endpoint is open as before.

use std::sync::Arc;

use vitrine_domain::{Clock, ManualClock, SystemClock};
use vitrine_server::config::Config;
use vitrine_server::serve;

use crate::support::{Backend, TestApp, error_code};

const TOKEN: &str = "prometheus-on-the-lan-0123456789";

async fn start(name: &str, tweak: impl FnOnce(&mut Config)) -> TestApp {
    TestApp::start_with(Backend::Sqlite, name, tweak)
        .await
        .expect("sqlite")
}

/// Asserts a refusal that asks for the token, in the API's error shape.
async fn assert_asks_for_token(res: reqwest::Response, what: &str) {
    assert_eq!(res.status(), 401, "{what}");
    assert_eq!(res.headers()["www-authenticate"], "Bearer", "{what}");
    let body = res.text().await.unwrap();
    assert!(
        !body.contains("vitrine_http_requests_total"),
        "{what}: {body}"
    );
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["error"]["code"], "metrics_token_required",
        "{what}: {body}"
    );
}

#[tokio::test]
async fn token_guards_metrics_on_the_site() {
    let app = start("metrics_token", |c| {
        c.metrics.token = Some(TOKEN.to_owned());
    })
    .await;
    let c = app.bare();
    let url = app.url("/metrics");
    assert_asks_for_token(c.get(&url).send().await.unwrap(), "no token").await;
    for wrong in [
        format!("Bearer {TOKEN}x"),
        format!("Bearer {}", &TOKEN[1..]),
        "Bearer ".to_owned(),
        format!("Basic {TOKEN}"),
        TOKEN.to_owned(),
    ] {
        let res = c
            .get(&url)
            .header("authorization", &wrong)
            .send()
            .await
            .unwrap();
        assert_asks_for_token(res, &wrong).await;
    }
    let res = c.get(&url).header("x-api-key", TOKEN).send().await.unwrap();
    assert_asks_for_token(res, "the token as an API key").await;

    let res = c.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(
            "vitrine_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"401\"} 7"
        ),
        "the refusals are counted as what they are: {text}"
    );
    app.stop().await;
}

/// A wrong metrics token is not a failed API key: with one failure per address allowed, the
/// next unknown key is still told it is unknown rather than throttled.
#[tokio::test]
async fn wrong_metrics_tokens_are_not_failed_api_keys() {
    let app = start("metrics_not_keys", |c| {
        c.metrics.token = Some(TOKEN.to_owned());
        c.auth.max_failures_per_ip = 1;
    })
    .await;
    let c = app.bare();
    for _ in 0..3 {
        let res = c
            .get(app.url("/metrics"))
            .bearer_auth("vt_not-the-metrics-token")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = c
        .get(app.url("/api/v1/me"))
        .bearer_auth("vt_unknown-key")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(error_code(res).await, "invalid_api_key");
    app.stop().await;
}

#[tokio::test]
async fn bind_moves_metrics_to_their_own_listener() {
    let app = start("metrics_bind", |c| {
        c.metrics.bind = Some(([127, 0, 0, 1], 0).into());
    })
    .await;
    let addr = app.server.metrics_addr.expect("a metrics listener");
    assert_eq!(
        addr.ip().to_string(),
        "127.0.0.1",
        "the address given, only"
    );
    assert_ne!(addr.port(), 0);
    assert_ne!(addr, app.server.addr);

    // On the site, /metrics is like any unknown page.
    let c = app.bare();
    let unknown = c.get(app.url("/no-such-page")).send().await.unwrap();
    let res = c.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.headers()["content-type"],
        unknown.headers()["content-type"]
    );
    assert_eq!(res.text().await.unwrap(), unknown.text().await.unwrap());

    let res = c.get(app.metrics_url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    // Both went to the profile route (`metrics` is a reserved user name, so never a profile).
    assert!(
        text.contains(
            "vitrine_http_requests_total{route=\"/{username}\",method=\"GET\",status=\"404\"} 2"
        ),
        "the site's requests, its /metrics among them: {text}"
    );
    assert!(
        !text.contains("route=\"/metrics\""),
        "scrapes are not site traffic: {text}"
    );

    // The listener serves nothing else.
    for path in [
        "/",
        "/healthz",
        "/api/v1/me",
        "/login",
        "/metrics/",
        "/static/app.css",
    ] {
        let res = c.get(app.metrics_url(path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(error_code(res).await, "not_found", "{path}");
    }
    let res = c.post(app.metrics_url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 405);

    // It stops with the site.
    drop(c);
    app.stop().await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the metrics listener is closed"
    );
}

#[tokio::test]
async fn bind_and_token_together() {
    let app = start("metrics_bind_token", |c| {
        c.metrics.bind = Some(([127, 0, 0, 1], 0).into());
        c.metrics.token = Some(TOKEN.to_owned());
    })
    .await;
    let c = app.bare();
    let url = app.metrics_url("/metrics");
    assert_asks_for_token(c.get(&url).send().await.unwrap(), "no token").await;
    let res = c
        .get(&url)
        .bearer_auth("wrong-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_asks_for_token(res, "wrong token").await;
    let res = c.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("vitrine_http_requests_total")
    );
    // Not on the site, token or not: there the token is just an unknown API key, as on any
    // unknown page.
    let unknown = c
        .get(app.url("/no-such-page"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let res = c
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), unknown.status());
    assert_eq!(res.text().await.unwrap(), unknown.text().await.unwrap());
    app.stop().await;
}

/// A metrics address that is taken stops start-up with a message naming the setting.
#[tokio::test]
async fn metrics_address_in_use_stops_startup() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let site = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let config = Config {
        bind: site.local_addr().unwrap(),
        data_dir: dir.path().to_path_buf(),
        database_url: Some(format!(
            "sqlite://{}",
            dir.path().join("vitrine.db").display()
        )),
        worker: false,
        metrics: vitrine_server::metrics_config::MetricsConfig {
            bind: Some(taken.local_addr().unwrap()),
            token: None,
        },
        ..Config::default()
    };
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let state = serve::build_state(config, clock).await.unwrap();
    let err = match serve::start(state, site) {
        Ok(_) => panic!("started with the metrics address taken"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("metrics.bind"), "{err}");
    assert!(
        err.contains(&taken.local_addr().unwrap().to_string()),
        "{err}"
    );
}
