//! Sign-up on a site that sends e-mail (file transport): a registered address cannot be told
//! from a new one (same answer, same page; its owner gets a note), a new one gets a link that
//! creates the account once, within its day, if the name and address are still free.

use serde_json::{Value, json};

use crate::mailbox::{mail_dir, messages_in, token_after, wait_for_message_to};
use crate::support::{Backend, TestApp, error_code, location, login, me_status, post_form};

pub async fn start(
    backend: Backend,
    name: &str,
    tweak: impl FnOnce(&mut vitrine_server::config::Config),
) -> Option<TestApp> {
    TestApp::start_with(backend, name, |c| {
        c.email.dir = Some(c.data_dir.join("mail"));
        tweak(c);
    })
    .await
}

/// Signs up through the API: status and body.
pub async fn api_signup(app: &TestApp, username: &str, email: &str) -> (u16, Value) {
    let res = app
        .browser()
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({ "username": username, "email": email, "password": "correct horse" }))
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

/// The token of the newest confirmation link sent to `email`.
async fn link_token(app: &TestApp, email: &str) -> String {
    let prefix = app.url("/signup/confirm/");
    let message = wait_for_message_to(&mail_dir(app), email, &prefix).await;
    token_after(&message, &prefix)
}

async fn api_confirm(c: &reqwest::Client, app: &TestApp, token: &str) -> reqwest::Response {
    c.post(app.url("/api/v1/auth/signup/confirm"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap()
}

/// The web form's answer for `email`, with the echoed address taken out.
async fn web_signup_page(app: &TestApp, username: &str, email: &str) -> (u16, String) {
    let res = post_form(
        &app.browser(),
        app.url("/signup"),
        &[
            ("username", username),
            ("email", email),
            ("password", "correct horse"),
            ("password_confirm", "correct horse"),
        ],
    )
    .await;
    let status = res.status().as_u16();
    let page = res
        .text()
        .await
        .unwrap()
        .replace(&email.to_lowercase(), "ADDRESS");
    (status, page)
}

/// The finding of the review: sign-up said which addresses are registered (`email_taken`).
async fn registered_addresses_cannot_be_told_apart(backend: Backend) {
    let Some(app) = start(backend, "signup_alike", |_| {}).await else {
        return;
    };
    app.signup("owner").await;
    let before = messages_in(&mail_dir(&app)).len();

    let taken = api_signup(&app, "newcomer", "owner@example.org").await;
    let fresh = api_signup(&app, "newcomer", "fresh@example.org").await;
    assert_eq!(taken.0, 202, "{}", taken.1);
    assert_eq!(taken, fresh, "the API answers alike");
    assert_eq!(
        taken.1,
        json!({ "status": "confirmation_sent", "expires_in_hours": 24 })
    );

    let taken_page = web_signup_page(&app, "webcomer", "OWNER@example.org").await;
    let fresh_page = web_signup_page(&app, "webcomer", "other@example.org").await;
    assert_eq!(taken_page.0, 200);
    assert!(
        taken_page.1.contains("Check your inbox"),
        "{}",
        taken_page.1
    );
    assert_eq!(
        taken_page, fresh_page,
        "the page is the same but for the address"
    );

    // The owner is told (twice: once per attempt), and nothing was created for the address.
    let note = wait_for_message_to(&mail_dir(&app), "owner@example.org", "Someone tried").await;
    assert!(note.contains(&app.url("/login")), "{note}");
    assert!(note.contains(&app.url("/forgot-password")), "{note}");
    assert!(!note.contains("/signup/confirm/"), "{note}");
    // A note to each owner attempt and a link to each new address.
    for _ in 0..100 {
        if messages_in(&mail_dir(&app)).len() >= before + 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(messages_in(&mail_dir(&app)).len(), before + 4);
    assert_eq!(
        login(&app.browser(), &app, "newcomer", "correct horse")
            .await
            .status(),
        401
    );

    // The new address's link creates the account once and signs it in.
    let token = link_token(&app, "fresh@example.org").await;
    assert_eq!(token.len(), 43);
    let c = app.browser();
    let res = api_confirm(&c, &app, &token).await;
    assert_eq!(res.status(), 201);
    let user: Value = res.json().await.unwrap();
    assert_eq!(user["username"], "newcomer");
    assert_eq!(user["email"], "fresh@example.org");
    assert_eq!(me_status(&c, &app).await, 200);
    let res = api_confirm(&app.browser(), &app, &token).await;
    assert_eq!(res.status(), 410, "a link works once");
    assert_eq!(error_code(res).await, "signup_link_invalid");
    app.stop().await;
}

#[tokio::test]
async fn registered_addresses_cannot_be_told_apart_sqlite() {
    registered_addresses_cannot_be_told_apart(Backend::Sqlite).await;
}

#[tokio::test]
async fn registered_addresses_cannot_be_told_apart_postgres() {
    registered_addresses_cannot_be_told_apart(Backend::Postgres).await;
}

#[tokio::test]
async fn registered_addresses_cannot_be_told_apart_mariadb() {
    registered_addresses_cannot_be_told_apart(Backend::MySql).await;
}

/// The web link: GET shows a button and uses nothing (mail scanners follow links), POST
/// creates the account, signs in and goes home; then the link is spent.
#[tokio::test]
async fn web_link_needs_the_button_and_works_once() {
    let Some(app) = start(Backend::Sqlite, "signup_web_link", |_| {}).await else {
        return;
    };
    // Here the address is asked for, and checked.
    let form = app.browser().get(app.url("/signup")).send().await.unwrap();
    assert!(form.text().await.unwrap().contains("name=\"email\""));
    let (status, page) = web_signup_page(&app, "wendy", "nope").await;
    assert_eq!(status, 422);
    assert!(page.contains("Is not a valid e-mail address."), "{page}");
    let (status, _) = api_signup(&app, "wendy", "").await;
    assert_eq!(status, 422, "an address is required");
    let (status, _) = web_signup_page(&app, "wendy", "wendy@example.org").await;
    assert_eq!(status, 200);
    let token = link_token(&app, "wendy@example.org").await;
    let url = app.url(&format!("/signup/confirm/{token}"));
    let c = app.browser();
    for _ in 0..2 {
        let res = c.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains("Create my account"), "{page}");
        assert!(page.contains("<strong>wendy</strong>"), "{page}");
    }
    assert_eq!(me_status(&c, &app).await, 401, "a GET signs nobody in");
    let res = c.post(&url).send().await.unwrap();
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
    assert_eq!(
        (me["username"].as_str(), me["email"].as_str()),
        (Some("wendy"), Some("wendy@example.org"))
    );
    // A confirmed address signs in, in any case.
    for name in ["wendy@example.org", "Wendy@EXAMPLE.org"] {
        assert_eq!(
            login(&app.browser(), &app, name, "correct horse")
                .await
                .status(),
            200
        );
    }
    assert_eq!(app.browser().get(&url).send().await.unwrap().status(), 410);
    assert_eq!(app.browser().post(&url).send().await.unwrap().status(), 410);
    // The address is now registered: a new attempt gets the same page, and a note.
    let (status, page) = web_signup_page(&app, "wendy2", "wendy@example.org").await;
    assert_eq!(status, 200);
    assert!(page.contains("Check your inbox"));
    wait_for_message_to(&mail_dir(&app), "wendy@example.org", "Someone tried").await;
    app.stop().await;
}

/// A link works for a day; a newer request for the address replaces older ones (so an
/// unconfirmed request cannot hold an address); the name must still be free at confirmation.
#[tokio::test]
async fn links_expire_are_replaced_and_recheck_the_name() {
    let Some(app) = start(Backend::Sqlite, "signup_expiry", |_| {}).await else {
        return;
    };
    api_signup(&app, "late", "late@example.org").await;
    let late = link_token(&app, "late@example.org").await;
    app.clock.advance(24 * 3600 + 1);
    let res = api_confirm(&app.browser(), &app, &late).await;
    assert_eq!(res.status(), 410, "expired");
    let res = app
        .browser()
        .get(app.url(&format!("/signup/confirm/{late}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);

    // Squatting: someone asks for the victim's address; the victim asks again.
    api_signup(&app, "squatter", "victim@example.org").await;
    let squat = link_token(&app, "victim@example.org").await;
    api_signup(&app, "victim", "victim@example.org").await;
    let own = loop {
        let t = link_token(&app, "victim@example.org").await;
        if t != squat {
            break t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(
        api_confirm(&app.browser(), &app, &squat).await.status(),
        410
    );

    // Two pending requests for one name: the first confirmed wins, the other is told why.
    api_signup(&app, "victim", "second@example.org").await;
    let second = link_token(&app, "second@example.org").await;
    assert_eq!(api_confirm(&app.browser(), &app, &own).await.status(), 201);
    let res = api_confirm(&app.browser(), &app, &second).await;
    assert_eq!(res.status(), 409);
    assert_eq!(error_code(res).await, "username_taken");
    let res = app
        .browser()
        .post(app.url(&format!("/signup/confirm/{second}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("this username was taken")
    );
    app.stop().await;
}
