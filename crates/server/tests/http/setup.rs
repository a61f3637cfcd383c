//! First-run setup: the one-time link creates the admin exactly once.

use serde_json::Value;

use crate::support::{TestApp, me_status};

crate::backend_tests!(setup_link_creates_the_admin_once);

async fn setup_link_creates_the_admin_once(app: &TestApp) {
    let token = app
        .server
        .state
        .app
        .prepare_setup()
        .await
        .unwrap()
        .expect("no admin yet, so a token");
    let c = app.browser();
    let page = c
        .get(app.url(&format!("/setup/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("administrator"));
    assert_eq!(
        c.get(app.url("/setup/wrong-token"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // A validation error keeps the link usable and the typed values.
    let form = [
        ("username", "owner"),
        ("email", "owner@example.org"),
        ("password", "correct horse"),
        ("password_confirm", "different"),
    ];
    let res = c
        .post(app.url(&format!("/setup/{token}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("owner@example.org"));

    let form = [
        ("username", "owner"),
        ("email", "owner@example.org"),
        ("password", "correct horse"),
        ("password_confirm", "correct horse"),
    ];
    let res = c
        .post(app.url(&format!("/setup/{token}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(me_status(&c, app).await, 200, "the new admin is signed in");
    let me: Value = c
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");

    // The link is spent.
    let other = app.browser();
    let form = [
        ("username", "intruder"),
        ("email", "i@example.org"),
        ("password", "correct horse"),
        ("password_confirm", "correct horse"),
    ];
    let res = other
        .post(app.url(&format!("/setup/{token}")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        other
            .get(app.url(&format!("/setup/{token}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert!(
        app.server
            .state
            .app
            .prepare_setup()
            .await
            .unwrap()
            .is_none(),
        "no new link once an admin exists"
    );
}
