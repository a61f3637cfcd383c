//! Sign-up, login by name and e-mail, wrong passwords, throttling, bans, session expiry,
//! logout and password change.

use serde_json::{Value, json};

use crate::support::{TestApp, error_code, login, me_status};

crate::backend_tests!(
    signup_and_login_by_name_and_email,
    signup_validation_and_conflicts,
    wrong_password_is_refused,
    login_is_throttled_per_account_and_per_ip,
    banned_users_are_refused_everywhere,
    sessions_expire_and_logout_ends_them,
    remember_me_sets_a_persistent_cookie,
    password_change_ends_other_sessions,
    signups_can_be_closed_by_an_admin,
    admin_endpoints_need_an_admin,
);

async fn signup_and_login_by_name_and_email(app: &TestApp) {
    let c = app.browser();
    let res = c
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "username": "Alice", "email": "Alice@Example.org", "password": "correct horse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("vitrine_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    let me: Value = c
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "alice", "usernames are case folded");
    // This site sends no e-mail: the address could not be confirmed and is not kept (logging
    // in by a confirmed address: signup.rs).
    assert_eq!(me["email"], Value::Null);
    assert_eq!(me["role"], "user");

    for login_name in ["alice", "ALICE", " Alice "] {
        let fresh = app.browser();
        let res = login(&fresh, app, login_name, "correct horse").await;
        assert_eq!(res.status(), 200, "login as {login_name}");
        assert_eq!(me_status(&fresh, app).await, 200);
    }
}

async fn signup_validation_and_conflicts(app: &TestApp) {
    app.signup("bob").await;
    let c = app.browser();
    let cases = [
        (
            json!({ "username": "bob", "email": "other@example.org", "password": "correct horse" }),
            409,
            "username_taken",
        ),
        (
            json!({ "username": "admin", "email": "a@example.org", "password": "correct horse" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "username": "x", "email": "x@example.org", "password": "correct horse" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "username": "has space", "email": "s@example.org", "password": "correct horse" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "username": "carol", "email": "c@example.org", "password": "short" }),
            422,
            "validation_failed",
        ),
        (json!({ "username": "carol" }), 422, "invalid_body"),
    ];
    for (body, status, code) in cases {
        let res = c
            .post(app.url("/api/v1/auth/signup"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{body}");
        assert_eq!(error_code(res).await, code, "{body}");
    }
}

async fn wrong_password_is_refused(app: &TestApp) {
    app.signup("dave").await;
    let c = app.browser();
    let res = login(&c, app, "dave", "wrong horse").await;
    assert_eq!(res.status(), 401);
    assert!(res.headers().get("set-cookie").is_none());
    assert_eq!(error_code(res).await, "invalid_credentials");
    let res = login(&c, app, "nobody", "wrong horse").await;
    assert_eq!(
        res.status(),
        401,
        "unknown users look the same as wrong passwords"
    );
    assert_eq!(error_code(res).await, "invalid_credentials");
    assert_eq!(me_status(&c, app).await, 401);
}

async fn login_is_throttled_per_account_and_per_ip(app: &TestApp) {
    app.signup("erin").await;
    let c = app.browser();
    for _ in 0..5 {
        assert_eq!(login(&c, app, "erin", "wrong horse").await.status(), 401);
    }
    // Now even the right password is refused, whichever way the account is named.
    for name in ["erin", "ERIN"] {
        let res = login(&c, app, name, "correct horse").await;
        assert_eq!(res.status(), 429, "{name}");
        assert!(res.headers().get("retry-after").is_some());
        assert_eq!(error_code(res).await, "too_many_attempts");
    }
    // The window passes: the account can sign in again.
    app.clock.advance(16 * 60);
    assert_eq!(login(&c, app, "erin", "correct horse").await.status(), 200);

    // Per IP: many accounts guessed from one address.
    for i in 0..20 {
        assert_eq!(
            login(&c, app, &format!("ghost{i}"), "guess guess")
                .await
                .status(),
            401
        );
    }
    let res = login(&c, app, "erin", "correct horse").await;
    assert_eq!(res.status(), 429, "the IP is throttled after 20 failures");
}

async fn banned_users_are_refused_everywhere(app: &TestApp) {
    let admin = app.admin("root_admin").await;
    let frank = app.signup("frank").await;
    let key: Value = frank
        .post(app.url("/api/v1/me/api-keys"))
        .json(&json!({ "name": "script" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = key["secret"].as_str().unwrap().to_owned();

    let res = admin
        .patch(app.url("/api/v1/admin/users/frank"))
        .json(&json!({ "status": "banned" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "banned");

    // The open session, the API key and a new login are all refused.
    assert_eq!(
        me_status(&frank, app).await,
        401,
        "banning ended the session"
    );
    let res = app
        .bare()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&secret)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(error_code(res).await, "account_banned");
    // A new sign-in is refused as a wrong password is (telling the two apart would confirm
    // the password; see sign_in_oracles).
    let res = login(&app.browser(), app, "frank", "correct horse").await;
    assert_eq!(res.status(), 401);
    assert_eq!(error_code(res).await, "invalid_credentials");

    // Reinstated, they can sign in again.
    admin
        .patch(app.url("/api/v1/admin/users/frank"))
        .json(&json!({ "status": "active" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login(&app.browser(), app, "frank", "correct horse")
            .await
            .status(),
        200
    );
}

async fn sessions_expire_and_logout_ends_them(app: &TestApp) {
    let c = app.signup("grace").await;
    assert_eq!(me_status(&c, app).await, 200);
    // Activity keeps a session alive (sliding expiry)...
    app.clock.advance(20 * 3600);
    assert_eq!(me_status(&c, app).await, 200);
    app.clock.advance(20 * 3600);
    assert_eq!(me_status(&c, app).await, 200);
    // ...idleness beyond the lifetime ends it.
    app.clock.advance(25 * 3600);
    assert_eq!(me_status(&c, app).await, 401);

    let c = app.browser();
    assert_eq!(login(&c, app, "grace", "correct horse").await.status(), 200);
    let res = c.post(app.url("/api/v1/auth/logout")).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(
        res.headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(me_status(&c, app).await, 401);
}

async fn remember_me_sets_a_persistent_cookie(app: &TestApp) {
    app.signup("heidi").await;
    let c = app.browser();
    let res = c
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": "heidi", "password": "correct horse", "remember": true }))
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains(&format!("Max-Age={}", 30 * 86400)),
        "{cookie}"
    );
    app.clock.advance(10 * 86400);
    assert_eq!(
        me_status(&c, app).await,
        200,
        "a remembered session outlives a day"
    );
}

async fn password_change_ends_other_sessions(app: &TestApp) {
    let first = app.signup("ivan").await;
    let second = app.browser();
    assert_eq!(
        login(&second, app, "ivan", "correct horse").await.status(),
        200
    );

    let res = first
        .post(app.url("/api/v1/me/password"))
        .json(&json!({ "current_password": "wrong", "new_password": "battery staple" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(error_code(res).await, "wrong_current_password");

    let res = first
        .post(app.url("/api/v1/me/password"))
        .json(&json!({ "current_password": "correct horse", "new_password": "battery staple" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        me_status(&first, app).await,
        200,
        "the session that changed it stays"
    );
    assert_eq!(me_status(&second, app).await, 401, "other sessions end");
    assert_eq!(
        login(&app.browser(), app, "ivan", "correct horse")
            .await
            .status(),
        401
    );
    assert_eq!(
        login(&app.browser(), app, "ivan", "battery staple")
            .await
            .status(),
        200
    );
}

async fn signups_can_be_closed_by_an_admin(app: &TestApp) {
    let admin = app.admin("site_admin").await;
    let res = admin
        .patch(app.url("/api/v1/admin/settings"))
        .json(&json!({ "signups_enabled": false, "name": "Pixel Pier" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["signups_enabled"], false);
    assert_eq!(s["name"], "Pixel Pier");
    let res = app
        .browser()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "username": "judy", "email": "judy@example.org", "password": "correct horse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(error_code(res).await, "signups_closed");
    let page = app
        .browser()
        .get(app.url("/signup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Pixel Pier"), "site name shows on pages");
    assert!(
        !page.contains("name=\"password_confirm\""),
        "no sign-up form while closed"
    );
}

async fn admin_endpoints_need_an_admin(app: &TestApp) {
    let user = app.signup("mallory").await;
    for (method, path) in [
        ("GET", "/api/v1/admin/users"),
        ("GET", "/api/v1/admin/settings"),
    ] {
        let res = user
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
        let res = app
            .browser()
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{path} anonymous");
    }
    let res = user
        .patch(app.url("/api/v1/admin/users/mallory"))
        .json(&json!({ "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no self-promotion");

    let admin = app.admin("boss").await;
    let list: Value = admin
        .get(app.url("/api/v1/admin/users?limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["username"], "boss");
    let next = list["next_cursor"].as_str().unwrap();
    let list: Value = admin
        .get(app.url(&format!("/api/v1/admin/users?limit=1&cursor={next}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["username"], "mallory");
    let res = admin
        .patch(app.url("/api/v1/admin/users/boss"))
        .json(&json!({ "role": "user" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "the last admin cannot be demoted");
    let res = admin
        .patch(app.url("/api/v1/admin/users/mallory"))
        .json(&json!({ "role": "manager" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["role"], "manager");
}

/// Sign-ups are limited per address and hour (a bot filling the site with accounts); other
/// addresses, and the operator's own tools, are not affected.
#[tokio::test]
async fn signups_are_limited_per_address() {
    let app =
        crate::support::TestApp::start_with(crate::support::Backend::Sqlite, "signup_rate", |c| {
            c.auth.max_signup_attempts_per_ip_per_hour = 3;
        })
        .await
        .unwrap();
    for n in 0..3 {
        app.signup(&format!("early{n}")).await;
    }
    let res = app
        .browser()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "username": "late", "email": "late@example.org", "password": "correct horse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // The web form says so too, and nothing was created.
    let form = [
        ("username", "late"),
        ("email", "late@example.org"),
        ("password", "correct horse"),
        ("password_confirm", "correct horse"),
    ];
    let res = app
        .browser()
        .post(app.url("/signup"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert!(
        res.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("too many")
    );
    app.admin("boss").await;
    app.stop().await;
}
