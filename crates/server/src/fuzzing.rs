//! Owns the fuzz entry point of the Chevereto endpoint (fuzz/fuzz_targets/chevereto.rs) and of
//! its regression replay (tests/http/fuzz_chevereto.rs): arbitrary bytes become an upload request
//! (multipart or urlencoded body, query string, key in a header, the query or the body) sent
//! through the whole router of a real site on SQLite. The oracle is the answer: no input may
//! make the server fail (a 5xx other than a full disk) or panic.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tower::ServiceExt as _;

pub const BOUNDARY: &str = "fuzzBoundary";

/// Query bytes are kept as they are except what cannot appear in a URI.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'=')
    .remove(b'&')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'%')
    .remove(b'+');

/// A site to send requests to, with an uploader's API key.
pub struct Harness {
    rt: tokio::runtime::Runtime,
    router: Router,
    key: String,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// A fresh site in a temp directory.
    pub fn new() -> anyhow::Result<Harness> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let dir = tempfile::Builder::new().prefix("vitrine-fuzz-").tempdir()?;
        let (router, key) = rt.block_on(site(dir.path()))?;
        Ok(Harness {
            rt,
            router,
            key,
            _dir: dir,
        })
    }

    /// Sends the request `data` describes; returns the answer's status.
    pub fn run(&self, data: &[u8]) -> StatusCode {
        let req = chevereto_request(data, &self.key);
        let router = self.router.clone();
        self.rt.block_on(async move {
            match router.oneshot(req).await {
                Ok(res) => {
                    let status = res.status();
                    // The body too: a reply that fails while being written is a failure.
                    let _ = axum::body::to_bytes(res.into_body(), usize::MAX).await;
                    status
                }
                Err(never) => match never {},
            }
        })
    }
}

/// Whether the server answered as it may answer any input.
pub fn acceptable(status: StatusCode) -> bool {
    !status.is_server_error() || status == StatusCode::INSUFFICIENT_STORAGE
}

async fn site(dir: &std::path::Path) -> anyhow::Result<(Router, String)> {
    let config = crate::config::Config {
        data_dir: dir.to_path_buf(),
        database_url: Some(format!("sqlite://{}", dir.join("fuzz.db").display())),
        worker: false,
        // The fuzzer sends many wrong keys from one address; it should keep exploring the
        // endpoint, not the throttle.
        auth: crate::config::AuthConfig {
            max_failures_per_ip: u32::MAX,
            ..Default::default()
        },
        ..Default::default()
    };
    let state =
        crate::serve::build_state(config, std::sync::Arc::new(vitrine_domain::SystemClock)).await?;
    let app = &state.app;
    let input = vitrine_app::SignupInput {
        username: "fuzzer".into(),
        email: "fuzzer@example.org".into(),
        password: "fuzz-password-1".into(),
        password_confirm: None,
    };
    // A plain user: URL sources stay refused (no fetches leave the machine), and with the
    // flood limits off every upload is processed.
    app.create_user(
        &vitrine_app::Actor::System,
        &input,
        vitrine_domain::Role::User,
    )
    .await?;
    let mut settings = app.upload_settings().await?;
    let off = vitrine_app::Windows {
        per_minute: 0,
        per_hour: 0,
        per_day: 0,
    };
    settings.flood.per_ip = off;
    settings.flood.per_account = off;
    app.update_upload_settings(&vitrine_app::Actor::System, settings, &Default::default())
        .await?;
    let key = app
        .create_api_key(
            &vitrine_app::Actor::System,
            Some("fuzzer"),
            "fuzz",
            &vitrine_app::RequestMeta::default(),
        )
        .await?;
    Ok((crate::routes::router(state), key.secret))
}

/// The request `data` describes. Its first byte chooses: bits 0-1 where the key goes (header,
/// query, body, nowhere); bits 2-3 the body's type (multipart with [`BOUNDARY`], urlencoded,
/// none, multipart without a boundary); bit 4 GET instead of POST. Then the query string up to
/// the first NUL byte, then the body.
pub fn chevereto_request(data: &[u8], key: &str) -> Request<Body> {
    let (flags, rest) = data.split_first().map_or((0, data), |(f, r)| (*f, r));
    let (query, body) = match rest.iter().position(|b| *b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let mut uri = String::from("/api/1/upload?");
    uri.push_str(&utf8_percent_encode(&String::from_utf8_lossy(query), QUERY).to_string());
    let mut req = Request::builder()
        .method(if flags & 16 != 0 {
            Method::GET
        } else {
            Method::POST
        })
        .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let multipart = matches!((flags >> 2) & 3, 0 | 3);
    let mut full_body = Vec::new();
    match flags & 3 {
        0 => req = req.header("x-api-key", key),
        1 => uri.push_str(&format!("&key={key}")),
        2 if multipart => full_body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n{key}\r\n"
            )
            .as_bytes(),
        ),
        2 => full_body.extend_from_slice(format!("key={key}&").as_bytes()),
        _ => {}
    }
    full_body.extend_from_slice(body);
    req = match (flags >> 2) & 3 {
        0 => req.header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ),
        1 => req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
        2 => req,
        _ => req.header(header::CONTENT_TYPE, "multipart/form-data"),
    };
    // The URI is always valid: what could break it was percent-encoded.
    req.uri(uri)
        .body(Body::from(full_body))
        .unwrap_or_else(|_| Request::new(Body::empty()))
}
