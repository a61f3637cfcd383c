//! Flood control: per-account and per-IP upload limits per minute/hour/day (429 on the native
//! API, code 130 on the Chevereto endpoint), admins exempt, windows that reopen with time, and
//! client IPs taken from forwarding headers only when the peer is a trusted proxy.

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use vitrine_media::fixtures::*;

use crate::support::{Backend, TestApp, create_key, error_code, set_upload_settings};

fn form(n: u32) -> Form {
    Form::new().part("file", Part::bytes(png_rgb(10 + n, 10)).file_name("f.png"))
}

async fn native(
    c: &reqwest::Client,
    app: &TestApp,
    n: u32,
    xff: Option<&str>,
) -> reqwest::Response {
    let mut req = c.post(app.url("/api/v1/media")).multipart(form(n));
    if let Some(ip) = xff {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

fn limits(per_minute: u64) -> vitrine_app::Windows {
    vitrine_app::Windows {
        per_minute,
        per_hour: 0,
        per_day: 0,
    }
}

#[tokio::test]
async fn per_account_limits_and_admin_exemption() {
    let app = TestApp::start(Backend::Sqlite, "flood_account")
        .await
        .unwrap();
    set_upload_settings(&app, |s| {
        s.flood.per_account = limits(2);
        s.flood.per_ip = limits(0);
    })
    .await;
    let c = app.signup("busy").await;
    for n in 0..2 {
        assert_eq!(native(&c, &app, n, None).await.status(), 201);
    }
    let res = native(&c, &app, 3, None).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "60");
    assert_eq!(error_code(res).await, "too_many_uploads");
    // The Chevereto endpoint answers code 130.
    let key = create_key(&c, &app).await;
    let res = reqwest::Client::new()
        .post(app.url("/api/1/upload"))
        .header("X-API-Key", &key)
        .multipart(Form::new().part("source", Part::bytes(png_rgb(9, 9)).file_name("x.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], 130, "{v}");
    // Another account is not affected; the window reopens a minute later.
    let other = app.signup("calm").await;
    assert_eq!(native(&other, &app, 4, None).await.status(), 201);
    app.clock.advance(61);
    assert_eq!(native(&c, &app, 5, None).await.status(), 201);
    // Hour and day windows count too.
    set_upload_settings(&app, |s| {
        s.flood.per_account = vitrine_app::Windows {
            per_minute: 0,
            per_hour: 0,
            per_day: 3,
        };
    })
    .await;
    let res = native(&c, &app, 6, None).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "86400");
    // Admins are exempt.
    set_upload_settings(&app, |s| s.flood.per_account = limits(1)).await;
    let admin = app.admin("boss").await;
    for n in 0..3 {
        assert_eq!(native(&admin, &app, 10 + n, None).await.status(), 201);
    }
    app.stop().await;
}

#[tokio::test]
async fn per_ip_limits_believe_only_trusted_proxies() {
    // Without trusted proxies a spoofed X-Forwarded-For changes nothing: every request is
    // from 127.0.0.1.
    let app = TestApp::start(Backend::Sqlite, "flood_ip").await.unwrap();
    set_upload_settings(&app, |s| {
        s.flood.per_ip = limits(2);
        s.flood.per_account = limits(0);
    })
    .await;
    let a = app.signup("alice").await;
    let b = app.signup("bob").await;
    assert_eq!(
        native(&a, &app, 0, Some("198.51.100.1")).await.status(),
        201
    );
    assert_eq!(
        native(&b, &app, 1, Some("198.51.100.2")).await.status(),
        201
    );
    let res = native(&a, &app, 2, Some("198.51.100.3")).await;
    assert_eq!(
        res.status(),
        429,
        "a spoofed header from an untrusted peer is ignored"
    );
    app.stop().await;

    // Behind a trusted proxy (the tests' loopback peer), the forwarded client counts.
    let app = TestApp::start_with(Backend::Sqlite, "flood_proxy", |c| {
        c.trusted_proxies = vec!["127.0.0.0/8".into()];
    })
    .await
    .unwrap();
    set_upload_settings(&app, |s| {
        s.flood.per_ip = limits(2);
        s.flood.per_account = limits(0);
    })
    .await;
    let a = app.signup("alice").await;
    for n in 0..2 {
        assert_eq!(
            native(&a, &app, n, Some("198.51.100.1")).await.status(),
            201
        );
    }
    assert_eq!(
        native(&a, &app, 2, Some("198.51.100.1")).await.status(),
        429
    );
    // A client cannot escape by prepending a fake hop: the proxy appended its real address.
    assert_eq!(
        native(&a, &app, 3, Some("203.0.113.50, 198.51.100.1"))
            .await
            .status(),
        429
    );
    assert_eq!(
        native(&a, &app, 4, Some("198.51.100.2")).await.status(),
        201
    );
    assert_eq!(
        native(&a, &app, 5, None).await.status(),
        201,
        "the proxy itself"
    );
    app.stop().await;
}
