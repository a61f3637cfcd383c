//! Password reset by e-mail, end to end through the web forms and the API: the link arrives
//! (file transport), works once, within its hour, ends every session; requests answer alike
//! for unknown accounts and are throttled per account and per address.

use std::time::Duration;

use serde_json::{Value, json};
use vitrine_db::AuditQuery;
use vitrine_domain::Timestamp;

use crate::mailbox::{mail_dir, messages_in, token_after, wait_for_message};
use crate::support::{Backend, TestApp, error_code, location, login, me_status, post_form};

async fn start(
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

/// The secret at the end of the message's reset link.
fn token_in(message: &str, app: &TestApp) -> String {
    token_after(message, &format!("{}/reset/", app.base))
}

async fn audited(app: &TestApp, action: &str, target: &str) -> u64 {
    app.server
        .state
        .app
        .db
        .count_audit_since(action, AuditQuery::ByTarget(target), Timestamp(0))
        .await
        .unwrap()
}

async fn link_works_once_and_ends_every_session(backend: Backend) {
    let Some(app) = start(backend, "reset_e2e", |_| {}).await else {
        return;
    };
    let first = app.signup("alice").await;
    // Count only the reset messages (signing up mailed a confirmation link).
    crate::mailbox::clear(&mail_dir(&app));
    let second = app.browser();
    assert_eq!(
        login(&second, &app, "alice", "correct horse")
            .await
            .status(),
        200
    );

    // The log-in page offers it, and the form answers without saying whether the name exists.
    let page = app.browser().get(app.url("/login")).send().await.unwrap();
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("href=\"/forgot-password\"")
    );
    let visitor = app.browser();
    let res = post_form(
        &visitor,
        app.url("/forgot-password"),
        &[("login", "ALICE@example.org")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("If an account matches"), "{page}");

    let message = wait_for_message(&mail_dir(&app), 1).await;
    assert!(message.contains("To: alice@example.org"), "{message}");
    assert!(
        message.contains("Subject: Reset your password on Vitrine"),
        "{message}"
    );
    let token = token_in(&message, &app);
    assert_eq!(token.len(), 43, "{message}");
    // The messages hold live links: the folder is the site's own.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(mail_dir(&app))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    let res = visitor
        .get(app.url(&format!("/reset/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("<strong>alice</strong>"));

    // A refused password does not use the link up.
    let url = app.url(&format!("/reset/{token}"));
    let res = post_form(
        &visitor,
        &url,
        &[
            ("password", "battery staple"),
            ("password_confirm", "battery stapler"),
        ],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("the passwords do not match")
    );
    let res = post_form(
        &visitor,
        &url,
        &[("password", "short"), ("password_confirm", "short")],
    )
    .await;
    assert_eq!(res.status(), 422);

    let res = post_form(
        &visitor,
        &url,
        &[
            ("password", "battery staple"),
            ("password_confirm", "battery staple"),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/login?notice=password_reset");
    let page = visitor
        .get(app.url("/login?notice=password_reset"))
        .send()
        .await
        .unwrap();
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Log in with the new one")
    );

    // Every session ended; only the new password works; the link is spent.
    assert_eq!(me_status(&first, &app).await, 401);
    assert_eq!(me_status(&second, &app).await, 401);
    assert_eq!(
        login(&app.browser(), &app, "alice", "correct horse")
            .await
            .status(),
        401
    );
    assert_eq!(
        login(&app.browser(), &app, "alice", "battery staple")
            .await
            .status(),
        200
    );
    let res = visitor.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert!(
        res.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("ask for a new one")
    );
    let res = post_form(
        &visitor,
        &url,
        &[
            ("password", "third password"),
            ("password_confirm", "third password"),
        ],
    )
    .await;
    assert_eq!(res.status(), 410);
    assert_eq!(audited(&app, "password_reset_by_link", "alice").await, 1);
    assert_eq!(audited(&app, "password_reset_requested", "alice").await, 1);

    // Through the API: a link expires after its hour...
    let api = app.browser();
    assert_eq!(ask(&app, "alice").await.0, 202);
    let token = token_in(&wait_for_message(&mail_dir(&app), 2).await, &app);
    app.clock.advance(3601);
    let res = confirm(&api, &app, &token, "fourth password").await;
    assert_eq!(res.status(), 410);
    assert_eq!(error_code(res).await, "reset_link_invalid");

    // ... a password changed another way makes pending links worthless ...
    assert_eq!(ask(&app, "alice").await.0, 202);
    let stale = token_in(&wait_for_message(&mail_dir(&app), 3).await, &app);
    let owner = app.browser();
    assert_eq!(
        login(&owner, &app, "alice", "battery staple")
            .await
            .status(),
        200
    );
    let res = owner
        .post(app.url("/api/v1/me/password"))
        .json(&json!({ "current_password": "battery staple", "new_password": "fifth password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = confirm(&api, &app, &stale, "sixth password").await;
    assert_eq!(res.status(), 410);

    // ... and a fresh one sets the password.
    assert_eq!(ask(&app, "alice").await.0, 202);
    let token = token_in(&wait_for_message(&mail_dir(&app), 4).await, &app);
    let res = confirm(&api, &app, &token, "seventh password").await;
    assert_eq!(res.status(), 204);
    assert_eq!(me_status(&owner, &app).await, 401);
    assert_eq!(
        login(&app.browser(), &app, "alice", "seventh password")
            .await
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test]
async fn reset_link_works_once_and_ends_every_session_sqlite() {
    link_works_once_and_ends_every_session(Backend::Sqlite).await;
}

#[tokio::test]
async fn reset_link_works_once_and_ends_every_session_postgres() {
    link_works_once_and_ends_every_session(Backend::Postgres).await;
}

#[tokio::test]
async fn reset_link_works_once_and_ends_every_session_mariadb() {
    link_works_once_and_ends_every_session(Backend::MySql).await;
}

/// Sets a password with a link's token through the API.
async fn confirm(
    c: &reqwest::Client,
    app: &TestApp,
    token: &str,
    password: &str,
) -> reqwest::Response {
    c.post(app.url("/api/v1/auth/password-reset/confirm"))
        .json(&json!({ "token": token, "password": password }))
        .send()
        .await
        .unwrap()
}

/// Asks for a reset link through the API: status, body, whether Retry-After was sent.
async fn ask(app: &TestApp, login: &str) -> (u16, Value, bool) {
    let res = app
        .browser()
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&json!({ "login": login }))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let retry = res.headers().contains_key("retry-after");
    (status, res.json().await.unwrap_or(Value::Null), retry)
}

/// Unknown names get the same answer as real ones (and no message goes anywhere); an account,
/// however it is named, gets three messages an hour and then the same answer with no message;
/// each address gets a configured number of requests an hour, then 429.
#[tokio::test]
async fn reset_requests_tell_nothing_and_are_throttled() {
    let Some(app) = start(Backend::Sqlite, "reset_throttle", |c| {
        c.auth.max_resets_per_ip_per_hour = 10;
    })
    .await
    else {
        return;
    };
    app.signup("bob").await;
    app.signup("carol").await;
    app.signup("mallory").await;
    crate::mailbox::clear(&mail_dir(&app));
    let db = &app.server.state.app.db;
    let mallory = db.find_user_by_login("mallory").await.unwrap().unwrap();
    let now = vitrine_domain::Clock::now(app.clock.as_ref());
    db.set_user_status(mallory.id, vitrine_domain::UserStatus::Banned, now)
        .await
        .unwrap();

    let (status, known, _) = ask(&app, "bob").await;
    assert_eq!(status, 202);
    let (status, unknown, _) = ask(&app, "nobody").await;
    assert_eq!(status, 202);
    assert_eq!(known, unknown);
    assert_eq!(ask(&app, "mallory").await.0, 202);
    // Bob named by address and by name is one account.
    for login in ["BOB@example.org", "bob"] {
        assert_eq!(ask(&app, login).await.0, 202);
        assert_eq!(ask(&app, "nobody").await.0, 202);
    }
    // Past its three, an account, known or not and however named, gets the same answer as
    // ever: nothing tells the address apart from the name of another account.
    for login in ["bob", "bob@example.org", "nobody"] {
        assert_eq!(ask(&app, login).await, (202, known.clone(), false));
    }
    // Only bob's three messages went out (nothing to the banned account or to nobody).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = messages_in(&mail_dir(&app));
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent.iter().all(|m| m.contains("To: bob@example.org")));

    // The address has made 10 requests: the 11th is refused, whatever it names.
    let (status, body, retry) = ask(&app, "carol").await;
    assert_eq!((status, retry), (429, true));
    assert_eq!(body["error"]["code"], "too_many_attempts");
    // The web form says so, with Retry-After.
    let res = post_form(
        &app.browser(),
        app.url("/forgot-password"),
        &[("login", "carol")],
    )
    .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(
        res.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("too many")
    );
    // An empty name is a form error, not a request.
    let res = post_form(
        &app.browser(),
        app.url("/forgot-password"),
        &[("login", " ")],
    )
    .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("enter your username or e-mail address")
    );

    // An hour later, the account and the address may ask again.
    app.clock.advance(3601);
    assert_eq!(ask(&app, "bob").await.0, 202);
    assert_eq!(ask(&app, "carol").await.0, 202);
    wait_for_message(&mail_dir(&app), 5).await;
    let sent = messages_in(&mail_dir(&app));
    assert!(sent.iter().any(|m| m.contains("To: carol@example.org")));
    // A name longer than any address is refused as such (it could not be audited).
    let (status, _, _) = ask(&app, &"x".repeat(255)).await;
    assert_eq!(status, 422);
    app.stop().await;
}

/// Requests sent all at once from one address are counted one by one: exactly the limit get
/// through.
#[tokio::test]
async fn parallel_reset_requests_keep_to_the_address_limit() {
    let Some(app) = start(Backend::Sqlite, "reset_parallel", |c| {
        c.auth.max_resets_per_ip_per_hour = 5;
    })
    .await
    else {
        return;
    };
    let asks = (0..20).map(|n| {
        let app = &app;
        async move { ask(app, &format!("someone{n}")).await.0 }
    });
    let mut statuses = futures::future::join_all(asks).await;
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [[202; 5].as_slice(), [429; 15].as_slice()].concat()
    );
    app.stop().await;
}

/// Guessing link secrets is throttled per address like failed logins.
#[tokio::test]
async fn wrong_reset_links_are_throttled() {
    let Some(app) = start(Backend::Sqlite, "reset_guess", |c| {
        c.auth.max_failures_per_ip = 3;
    })
    .await
    else {
        return;
    };
    let c = app.browser();
    for n in 0..3 {
        let res = c
            .get(app.url(&format!("/reset/guess{n}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 410);
    }
    let res = c.get(app.url("/reset/guess9")).send().await.unwrap();
    assert_eq!(res.status(), 429);
    let res = confirm(&c, &app, "guess10", "long enough").await;
    assert_eq!(res.status(), 429);
    app.stop().await;
}

/// A site that sends no e-mail says so instead of pretending to send links.
#[tokio::test]
async fn reset_is_off_without_email() {
    let Some(app) = TestApp::start(Backend::Sqlite, "reset_off").await else {
        return;
    };
    app.signup("dave").await;
    let page = app.browser().get(app.url("/login")).send().await.unwrap();
    assert!(!page.text().await.unwrap().contains("/forgot-password"));
    let res = app
        .browser()
        .get(app.url("/forgot-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Ask an administrator"));
    let res = post_form(
        &app.browser(),
        app.url("/forgot-password"),
        &[("login", "dave")],
    )
    .await;
    assert_eq!(res.status(), 404);
    let (status, body, _) = ask(&app, "dave").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "password_reset_unavailable");
    app.stop().await;
}

/// A real SMTP server (aiosmtpd, from PyPI) on a free loopback port, keeping what it receives
/// in a maildir; `None` (after saying so) when it is not installed, unless the run requires it.
struct SmtpServer {
    port: u16,
    maildir: tempfile::TempDir,
    _child: tokio::process::Child,
}

async fn smtp_server() -> Option<SmtpServer> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let maildir = tempfile::tempdir().expect("temp dir");
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir(maildir.path().join(sub)).expect("maildir");
    }
    let child = tokio::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir.path())
        .kill_on_drop(true)
        .stderr(std::process::Stdio::null())
        .spawn();
    let required = std::env::var("VITRINE_TEST_REQUIRE_SMTP").is_ok_and(|v| v == "1");
    let mut child = match child {
        Ok(c) => c,
        Err(e) if !required => {
            eprintln!("skipped: python3 cannot run ({e})");
            return None;
        }
        Err(e) => panic!("python3: {e}"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(SmtpServer {
                port,
                maildir,
                _child: child,
            });
        }
        if let Ok(Some(status)) = child.try_wait() {
            assert!(
                !required,
                "aiosmtpd exited ({status}); pip install aiosmtpd"
            );
            eprintln!("skipped: aiosmtpd is not installed (pip install aiosmtpd)");
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("aiosmtpd did not start listening on {port}");
}

/// The link goes out over SMTP to a real mail server and works.
#[tokio::test]
async fn reset_link_goes_out_over_smtp() {
    let Some(smtp) = smtp_server().await else {
        return;
    };
    let url = format!("smtp://127.0.0.1:{}", smtp.port);
    let Some(app) = TestApp::start_with(Backend::Sqlite, "reset_smtp", |c| {
        c.email.smtp_url = Some(url);
        c.email.from = Some("Vitrine Test <noreply@vitrine.test>".to_owned());
    })
    .await
    else {
        return;
    };
    // Made by the operator: a sign-up's confirmation would go to the SMTP server too.
    app.server
        .state
        .app
        .create_user(
            &vitrine_app::Actor::System,
            &vitrine_app::SignupInput {
                username: "erin".into(),
                email: "erin@example.org".into(),
                password: "correct horse".into(),
                password_confirm: None,
            },
            vitrine_domain::Role::User,
        )
        .await
        .unwrap();
    assert_eq!(ask(&app, "erin@example.org").await.0, 202);
    let new = smtp.maildir.path().join("new");
    let mut message = String::new();
    for _ in 0..200 {
        if let Some(m) = messages_in(&new).pop() {
            message = m;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        message.contains("From: \"Vitrine Test\" <noreply@vitrine.test>")
            || message.contains("From: Vitrine Test <noreply@vitrine.test>"),
        "{message}"
    );
    assert!(message.contains("To: erin@example.org"), "{message}");
    let token = token_in(&message, &app);
    let res = confirm(&app.browser(), &app, &token, "over smtp now").await;
    assert_eq!(res.status(), 204);
    assert_eq!(
        login(&app.browser(), &app, "erin", "over smtp now")
            .await
            .status(),
        200
    );
    app.stop().await;
}
