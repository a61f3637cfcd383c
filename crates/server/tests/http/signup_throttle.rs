//! Sign-up attempts are counted per client address, created or not (a taken name, a registered
//! address and a new one all count), and so are wrong confirmation links; one address gets at
//! most three sign-up messages an hour, whoever asks.

use crate::mailbox::{mail_dir, messages_in};
use crate::signup::{api_signup, start};
use crate::support::{Backend, error_code};

#[tokio::test]
async fn attempts_are_throttled_per_address_even_when_none_creates_an_account() {
    let Some(app) = start(Backend::Sqlite, "signup_throttle", |c| {
        c.auth.max_signup_attempts_per_ip_per_hour = 3;
    })
    .await
    else {
        return;
    };
    // The owner's account comes from the operator, so the three attempts are all the address's.
    app.server
        .state
        .app
        .create_user(
            &vitrine_app::Actor::System,
            &vitrine_app::SignupInput {
                username: "owner".into(),
                email: "owner@example.org".into(),
                password: "correct horse".into(),
                password_confirm: None,
            },
            vitrine_domain::Role::User,
        )
        .await
        .unwrap();
    assert_eq!(
        api_signup(&app, "owner", "x@example.org").await.0,
        409,
        "a taken name"
    );
    assert_eq!(
        api_signup(&app, "probe1", "owner@example.org").await.0,
        202,
        "a registered address"
    );
    assert_eq!(
        api_signup(&app, "probe2", "new@example.org").await.0,
        202,
        "a new address"
    );
    let res = app
        .browser()
        .post(app.url("/api/v1/auth/signup"))
        .json(&serde_json::json!({ "username": "probe3", "email": "owner@example.org", "password": "correct horse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "3600");
    assert_eq!(error_code(res).await, "too_many_attempts");
    let res = crate::support::post_form(
        &app.browser(),
        app.url("/signup"),
        &[
            ("username", "probe4"),
            ("email", "z@example.org"),
            ("password", "correct horse"),
            ("password_confirm", "correct horse"),
        ],
    )
    .await;
    assert_eq!(res.status(), 429, "the form too");
    assert!(res.headers().contains_key("retry-after"));
    // An hour later the address may try again.
    app.clock.advance(3601);
    assert_eq!(api_signup(&app, "probe5", "q@example.org").await.0, 202);
    app.stop().await;
}

#[tokio::test]
async fn wrong_links_are_throttled_per_address() {
    let Some(app) = start(Backend::Sqlite, "signup_guess", |c| {
        c.auth.max_failures_per_ip = 3;
    })
    .await
    else {
        return;
    };
    let c = app.browser();
    for i in 0..3 {
        let res = c
            .post(app.url("/api/v1/auth/signup/confirm"))
            .json(&serde_json::json!({ "token": format!("guess{i}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 410);
    }
    let res = c
        .get(app.url("/signup/confirm/guess9"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    app.stop().await;
}

#[tokio::test]
async fn one_address_gets_three_messages_an_hour() {
    let Some(app) = start(Backend::Sqlite, "signup_flood", |_| {}).await else {
        return;
    };
    for n in 0..5 {
        let (status, _) = api_signup(&app, &format!("flood{n}"), "target@example.org").await;
        assert_eq!(status, 202, "the answer never changes");
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(messages_in(&mail_dir(&app)).len(), 3);
    app.clock.advance(3601);
    api_signup(&app, "flood9", "target@example.org").await;
    for _ in 0..100 {
        if messages_in(&mail_dir(&app)).len() == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        messages_in(&mail_dir(&app)).len(),
        4,
        "an hour later, one more"
    );
    app.stop().await;
}
