//! Sign-up on a site that sends no e-mail: the address could not be confirmed and nothing
//! would use it, so none is asked for (an API request's is ignored); the account is created
//! and signed in at once.

use serde_json::{Value, json};

use crate::support::{TestApp, location, login, post_form};

crate::backend_tests!(signs_up_at_once_without_an_address);

async fn signs_up_at_once_without_an_address(app: &TestApp) {
    let page = app.browser().get(app.url("/signup")).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("name=\"username\""), "{page}");
    assert!(!page.contains("name=\"email\""), "no e-mail field: {page}");
    assert!(page.contains("sends no e-mail"), "says why: {page}");

    let c = app.browser();
    let res = post_form(
        &c,
        app.url("/signup"),
        &[
            ("username", "nina"),
            ("password", "correct horse"),
            ("password_confirm", "correct horse"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/?notice=welcome");
    let me: Value = c
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "nina");
    assert_eq!(me["email"], Value::Null);

    // The API: without an address, or with one, which is ignored.
    for (name, body) in [
        (
            "omar",
            json!({ "username": "omar", "password": "correct horse" }),
        ),
        (
            "pia",
            json!({ "username": "pia", "email": "pia@example.org", "password": "correct horse" }),
        ),
    ] {
        let c = app.browser();
        let res = c
            .post(app.url("/api/v1/auth/signup"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{name}");
        let user: Value = res.json().await.unwrap();
        assert_eq!(
            (user["username"].as_str(), &user["email"]),
            (Some(name), &Value::Null)
        );
        let me: Value = c
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["email"], Value::Null);
    }
    // Two accounts without an address do not collide; an ignored address signs nobody in.
    assert_eq!(
        login(&app.browser(), app, "pia", "correct horse")
            .await
            .status(),
        200
    );
    assert_eq!(
        login(&app.browser(), app, "pia@example.org", "correct horse")
            .await
            .status(),
        401
    );
    // The settings page shows no address.
    let settings = c_settings(app, "nina").await;
    assert!(settings.contains("E-mail"), "{settings}");
    assert!(
        !settings.contains("None") && !settings.contains("none</dd>"),
        "{settings}"
    );
}

async fn c_settings(app: &TestApp, name: &str) -> String {
    let c = app.browser();
    assert_eq!(login(&c, app, name, "correct horse").await.status(), 200);
    c.get(app.url("/settings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}
