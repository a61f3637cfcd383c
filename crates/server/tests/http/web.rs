//! The web pages as a browser without JavaScript uses them: forms, redirects and cookies.

use crate::support::{TestApp, location, me_status, post_form};

crate::backend_tests!(
    web_signup_login_settings_and_keys,
    pages_escape_user_text,
    signup_form_reports_every_problem_at_once
);

async fn signup_form_reports_every_problem_at_once(app: &TestApp) {
    app.signup("taken").await;
    let c = app.browser();
    let form = [
        ("username", "admin"),
        ("password", "short"),
        ("password_confirm", "other"),
    ];
    let res = post_form(&c, app.url("/signup"), &form).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    for msg in [
        "This name is reserved.",
        "Must be at least 8 characters long.",
        "The passwords do not match.",
    ] {
        assert!(html.contains(msg), "missing {msg:?}");
    }
    assert!(html.contains("value=\"admin\""), "typed values are kept");
}

async fn web_signup_login_settings_and_keys(app: &TestApp) {
    let c = app.browser();
    let home = c.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains("href=\"/signup\"") && html.contains("href=\"/login\""));

    // Settings need a login first and come back afterwards.
    let res = c.get(app.url("/settings")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?next=/settings");

    let form = [
        ("username", "Olga"),
        ("email", "olga@example.org"),
        ("password", "correct horse"),
        ("password_confirm", "correct horse"),
    ];
    let res = post_form(&c, app.url("/signup"), &form).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/?notice=welcome");
    let html = c
        .get(app.url("/?notice=welcome"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Welcome! Your account is ready."));
    assert!(html.contains("olga"));

    let res = c.post(app.url("/logout")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(me_status(&c, app).await, 401);

    let res = c
        .post(app.url("/login"))
        .form(&[
            ("login", "olga"),
            ("password", "nope nope"),
            ("next", "/settings"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let html = res.text().await.unwrap();
    assert!(html.contains("Wrong username"), "the form says why");
    assert!(html.contains("value=\"olga\""), "the login is kept");

    let res = c
        .post(app.url("/login"))
        .form(&[
            ("login", "OLGA"),
            ("password", "correct horse"),
            ("next", "//evil.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/", "no open redirect");
    let res = c
        .post(app.url("/login"))
        .form(&[
            ("login", "olga"),
            ("password", "correct horse"),
            ("next", "/settings"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/settings");

    let res = post_form(&c, app.url("/settings/api-keys"), &[("name", "Laptop")]).await;
    assert_eq!(
        res.status(),
        303,
        "post-redirect-get: a reload cannot create a second key"
    );
    assert_eq!(location(&res), "/settings#new-key");
    let html = c
        .get(app.url("/settings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("vt_").expect("the new secret is shown once");
    let secret: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let res = app
        .bare()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the shown secret works");
    let html = c
        .get(app.url("/settings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Laptop"));
    assert!(!html.contains(&secret), "and is never shown again");

    let res = c
        .post(app.url("/settings/password"))
        .form(&[
            ("current_password", "correct horse"),
            ("new_password", "battery staple"),
            ("new_password_confirm", "battery staple"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/settings?notice=password_changed");
    let res = c
        .post(app.url("/settings/password"))
        .form(&[
            ("current_password", "wrong"),
            ("new_password", "x"),
            ("new_password_confirm", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The current password is wrong.")
    );
}

async fn pages_escape_user_text(app: &TestApp) {
    let c = app.signup("pete").await;
    let evil = "<script>alert(1)</script>\"'&";
    let res = post_form(&c, app.url("/settings/profile"), &[("display_name", evil)]).await;
    assert_eq!(res.status(), 303);
    for path in ["/", "/settings"] {
        let html = c
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !html.contains("<script>alert(1)"),
            "{path} must escape the display name"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;"),
            "{path} shows it as text"
        );
    }
    c.post(app.url("/settings/api-keys"))
        .form(&[("name", evil)])
        .send()
        .await
        .unwrap();
    let html = c
        .get(app.url("/settings"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("vt_"), "the new key is shown once");
    assert!(!html.contains("<script>alert(1)"));
}
