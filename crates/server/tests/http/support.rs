//! Test harness: boots the real server on 127.0.0.1:0 with a fresh database (SQLite in a temp
//! dir, or a fresh PostgreSQL / MariaDB database when VITRINE_TEST_POSTGRES_URL /
//! VITRINE_TEST_MYSQL_URL is set) and a clock the test controls, and hands out HTTP clients.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::net::TcpListener;
use vitrine_domain::{Clock, ManualClock, SystemClock};
use vitrine_server::config::Config;
use vitrine_server::serve::{self, RunningServer};

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

impl Backend {
    /// The variable naming the server to create test databases on, and the backend's name.
    fn server_env(self) -> Option<(&'static str, &'static str)> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres => Some(("VITRINE_TEST_POSTGRES_URL", "PostgreSQL")),
            Backend::MySql => Some(("VITRINE_TEST_MYSQL_URL", "MariaDB")),
        }
    }
}

pub struct TestApp {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub server: RunningServer,
    _dir: TempDir,
    pg: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestApp {
    /// Starts a fresh site; `None` (after saying so) when the backend is not configured.
    pub async fn start(backend: Backend, name: &str) -> Option<TestApp> {
        Self::start_with(backend, name, |_| {}).await
    }

    pub async fn start_with(
        backend: Backend,
        name: &str,
        tweak: impl FnOnce(&mut Config),
    ) -> Option<TestApp> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            worker: false,
            ..Config::default()
        };
        let mut pg = None;
        match backend {
            Backend::Sqlite => {
                config.database_url = Some(format!(
                    "sqlite://{}",
                    dir.path().join("vitrine.db").display()
                ));
            }
            server => {
                let (var, label) = server.server_env().expect("a database server");
                let Some(base) = std::env::var(var).ok().filter(|u| !u.is_empty()) else {
                    eprintln!("skipped {name} on {label}: {var} is not set");
                    return None;
                };
                let db = format!(
                    "vt_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    name.chars()
                        .filter(char::is_ascii_alphanumeric)
                        .take(30)
                        .collect::<String>()
                )
                .to_lowercase();
                let url = vitrine_db::test_support::create_test_database(&base, &db)
                    .await
                    .expect("create test database");
                config.database_url = Some(url);
                pg = Some((base, db));
            }
        }
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        // Links the server builds must point at the port it really got.
        config.bind = listener.local_addr().expect("addr");
        tweak(&mut config);
        let clock = Arc::new(ManualClock::new(SystemClock.now()));
        let state = serve::build_state(config, clock.clone())
            .await
            .expect("build state");
        let server = serve::start(state, listener).expect("start");
        let base = format!("http://{}", server.addr);
        Some(TestApp {
            base,
            clock,
            server,
            _dir: dir,
            pg,
        })
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        self._dir.path().to_path_buf()
    }

    /// Runs the jobs that are due (the worker is off in tests, so time and jobs are explicit).
    pub async fn run_jobs(&self) -> u64 {
        self.server
            .state
            .app
            .run_due_jobs("test")
            .await
            .expect("jobs")
    }

    pub async fn stop(self) {
        self.server.shutdown().await.expect("shutdown");
        if let Some((base, db)) = self.pg {
            // The state held the pool; give it a moment, then force the drop.
            vitrine_db::test_support::drop_test_database(&base, &db)
                .await
                .expect("drop test database");
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `path` on the metrics listener (the site must have `metrics.bind` set).
    pub fn metrics_url(&self, path: &str) -> String {
        let addr = self.server.metrics_addr.expect("metrics.bind is set");
        format!("http://{addr}{path}")
    }

    /// A browser-like client: keeps cookies and sends this site's Origin on every request.
    pub fn browser(&self) -> reqwest::Client {
        let mut h = HeaderMap::new();
        h.insert("origin", HeaderValue::from_str(&self.base).expect("origin"));
        reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(h)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// A client with a cookie jar and no Origin header (like curl with a cookie file).
    pub fn bare(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Signs up through the API as `username@example.org` and returns a signed-in browser
    /// client: at once on a site without e-mail (the account then has no address), through
    /// the e-mailed link on a site that writes its e-mail to `email.dir`.
    pub async fn signup(&self, username: &str) -> reqwest::Client {
        let c = self.browser();
        let email = format!("{username}@example.org");
        let res = c
            .post(self.url("/api/v1/auth/signup"))
            .json(&json!({ "username": username, "email": email, "password": "correct horse" }))
            .send()
            .await
            .expect("signup");
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        if status == 202 {
            let dir = crate::mailbox::mail_dir(self);
            let prefix = self.url("/signup/confirm/");
            let message = crate::mailbox::wait_for_message_to(&dir, &email, &prefix).await;
            let token = crate::mailbox::token_after(&message, &prefix);
            let res = c
                .post(self.url("/api/v1/auth/signup/confirm"))
                .json(&json!({ "token": token }))
                .send()
                .await
                .expect("confirm signup");
            assert_eq!(res.status(), 201, "confirm {username}");
            return c;
        }
        assert_eq!(status, 201, "signup {username}: {body}");
        c
    }

    /// Creates an admin directly through the app (as the operator would with the CLI).
    pub async fn admin(&self, username: &str) -> reqwest::Client {
        let input = vitrine_app::SignupInput {
            username: username.into(),
            email: format!("{username}@example.org"),
            password: "correct horse".into(),
            password_confirm: None,
        };
        self.server
            .state
            .app
            .create_user(
                &vitrine_app::Actor::System,
                &input,
                vitrine_domain::Role::Admin,
            )
            .await
            .expect("create admin");
        let c = self.browser();
        let res = login(&c, self, username, "correct horse").await;
        assert_eq!(res.status(), 200);
        c
    }
}

pub async fn login(
    c: &reqwest::Client,
    app: &TestApp,
    login: &str,
    password: &str,
) -> reqwest::Response {
    c.post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": login, "password": password }))
        .send()
        .await
        .expect("login request")
}

pub async fn me_status(c: &reqwest::Client, app: &TestApp) -> u16 {
    c.get(app.url("/api/v1/me"))
        .send()
        .await
        .expect("me")
        .status()
        .as_u16()
}

/// The `error.code` of a JSON error response.
pub async fn error_code(res: reqwest::Response) -> String {
    let v: Value = res.json().await.expect("json error body");
    v["error"]["code"].as_str().unwrap_or_default().to_owned()
}

/// Runs each listed `async fn(&TestApp)` on SQLite, and on PostgreSQL and MariaDB when configured.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::support::TestApp::start($crate::support::Backend::Sqlite, stringify!($name)).await {
                        super::$name(&app).await;
                        app.stop().await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::support::TestApp::start($crate::support::Backend::Postgres, stringify!($name)).await {
                        super::$name(&app).await;
                        app.stop().await;
                    }
                }
            )*
        }
        mod mariadb {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::support::TestApp::start($crate::support::Backend::MySql, stringify!($name)).await {
                        super::$name(&app).await;
                        app.stop().await;
                    }
                }
            )*
        }
    };
}

/// Creates an API key for the signed-in client and returns its secret.
pub async fn create_key(c: &reqwest::Client, app: &TestApp) -> String {
    let res = c
        .post(app.url("/api/v1/me/api-keys"))
        .json(&json!({ "name": "uploader" }))
        .send()
        .await
        .expect("create key");
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.expect("key json");
    v["secret"].as_str().expect("secret").to_owned()
}

/// Changes upload settings as the operator would (merging into the current ones).
pub async fn set_upload_settings(
    app: &TestApp,
    change: impl FnOnce(&mut vitrine_app::UploadSettings),
) {
    let a = &app.server.state.app;
    let mut s = a.upload_settings().await.expect("settings");
    change(&mut s);
    a.update_upload_settings(&vitrine_app::Actor::System, s, &Default::default())
        .await
        .expect("update settings");
}

/// A stand-in for a remote web server, on 127.0.0.1.
pub async fn origin(router: axum::Router) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind origin");
    let addr = listener.local_addr().expect("origin addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// A listener on loopback that only counts the connections it gets: a URL upload pointed at it
/// must never reach it.
pub struct Trap {
    pub port: u16,
    pub connections: Arc<std::sync::atomic::AtomicUsize>,
}

pub async fn trap() -> Trap {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind trap");
    let port = listener.local_addr().expect("trap addr").port();
    let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    Trap { port, connections }
}

/// GET `url` with `c` and parse the JSON answer (whatever the status).
pub async fn get_json(c: &reqwest::Client, url: impl reqwest::IntoUrl) -> Value {
    c.get(url)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json body")
}

/// A Chevereto upload of `bytes` named `name` with `key` in the header: status and JSON body.
pub async fn chevereto_upload(app: &TestApp, key: &str, bytes: &[u8], name: &str) -> (u16, Value) {
    let res = app
        .bare()
        .post(app.url("/api/1/upload"))
        .header("x-api-key", key)
        .multipart(reqwest::multipart::Form::new().part(
            "source",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
        ))
        .send()
        .await
        .expect("chevereto upload");
    (res.status().as_u16(), res.json().await.expect("json body"))
}

/// The `Location` of a redirect ("" when none).
pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Posts a urlencoded form, as a browser's form submission does.
pub async fn post_form<T: serde::Serialize + ?Sized>(
    c: &reqwest::Client,
    url: impl reqwest::IntoUrl,
    form: &T,
) -> reqwest::Response {
    c.post(url).form(form).send().await.expect("form post")
}

/// Posts with no body, as a form with only a button does.
pub async fn post_empty(c: &reqwest::Client, url: impl reqwest::IntoUrl) -> reqwest::Response {
    c.post(url).send().await.expect("post")
}
