//! Owns `/api/1/upload`, the Chevereto API v1 upload contract (CHEVERETO_API.md) that ShareX
//! and other clients speak: the key from the `X-API-Key` header, `Authorization: Bearer` or a
//! `key` parameter (query or body); the source as a file part, base64 text or a URL (GET is
//! for URL sources only); the body as multipart or urlencoded. Authentication is by key only,
//! never by cookie, so the route is exempt from CSRF checks and answers any origin (CORS).

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::Response;
use axum::routing::{any, get};
use base64::Engine as _;
use tower_http::cors::{Any, CorsLayer};
use vitrine_app::{Actor, UploadTicket};
use vitrine_domain::parse_duration_secs;

use crate::auth::presented_api_key;
use crate::chevereto_reply::{
    ChevError, Format, capitalise, error_response, file_too_big, success_response,
};
use crate::request_meta::Meta;
use crate::state::AppState;
use crate::upload_body::{self, FormSpec};
use crate::upload_source::{Details, Incoming, split_tags, truthy};

const MIN_EXPIRY: i64 = 5 * 60;
const MAX_EXPIRY: i64 = 365 * 24 * 3600;

pub fn router() -> Router<AppState> {
    let upload_route = || {
        get(upload)
            .post(upload)
            // Preflights are answered by the CORS layer; without an OPTIONS route of its own
            // the router's 405 fallback (set later, unlayered) would answer them instead.
            .options(|| async { StatusCode::NO_CONTENT })
            // The upload enforces its own byte limits while streaming.
            .layer(DefaultBodyLimit::disable())
    };
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static("x-api-key"),
        ]);
    Router::new()
        .route("/api/1/upload", upload_route())
        .route("/api/1/upload/", upload_route())
        .route("/api/{version}/upload", any(wrong_version))
        .route("/api/1/{action}", any(wrong_action))
        .layer(cors)
}

async fn wrong_version(Path(version): Path<String>) -> Response {
    let msg = format!("Invalid API version `{version}`");
    error_response(ChevError::new(110, msg), Format::Json)
}

async fn wrong_action() -> Response {
    error_response(ChevError::new(120, "Invalid API action"), Format::Json)
}

/// The request's parameters: body first, then query.
struct Params {
    body: Vec<(String, String)>,
    query: Vec<(String, String)>,
}

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.body
            .iter()
            .chain(&self.query)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }
}

fn pairs(s: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s).into_owned().collect()
}

async fn upload(
    State(state): State<AppState>,
    Meta(meta): Meta,
    RawQuery(query): RawQuery,
    req: Request,
) -> Response {
    let query = pairs(query.unwrap_or_default().as_bytes());
    let mut format = Format::parse(
        query
            .iter()
            .find(|(k, _)| k == "format")
            .map(|(_, v)| v.as_str()),
    );
    match run(&state, &meta, query, req, &mut format).await {
        Ok((up, imgbb)) => success_response(&state.links(), &up, imgbb, format),
        Err(e) => error_response(e, format),
    }
}

/// A key from the headers or the query, when there is one.
fn early_key<'a>(headers: &'a HeaderMap, query: &'a [(String, String)]) -> Option<&'a str> {
    presented_api_key(headers)
        .or_else(|| {
            query
                .iter()
                .find(|(k, _)| k == "key")
                .map(|(_, v)| v.as_str())
        })
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

async fn authorise(
    state: &AppState,
    meta: &vitrine_app::RequestMeta,
    key: &str,
) -> Result<UploadTicket, ChevError> {
    let actor: Actor = state.app.authenticate_upload_key(key, meta).await?;
    Ok(state.app.begin_upload(&actor, meta).await?)
}

async fn run(
    state: &AppState,
    meta: &vitrine_app::RequestMeta,
    query: Vec<(String, String)>,
    req: Request,
    format: &mut Format,
) -> Result<(vitrine_app::Uploaded, bool), ChevError> {
    let method = req.method().clone();
    // With the key outside the body, refuse (bad key, flood) before reading the body.
    let mut ticket = match early_key(req.headers(), &query) {
        Some(key) => Some(authorise(state, meta, key).await?),
        None => None,
    };
    let max_bytes = match &ticket {
        Some(t) => t.max_bytes(),
        None => {
            // The key is in the body: at least the address may not flood us meanwhile, nor
            // be one that keeps sending unknown keys.
            state.app.check_api_key_throttle(meta).await?;
            state.app.check_ip_flood(meta).await?.max_bytes
        }
    };
    let key_known = ticket.is_some();
    let dir = state.config.temp_dir();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (file, body) = if method != Method::POST {
        (None, Vec::new())
    } else if content_type.starts_with("multipart/form-data") {
        let multipart = Multipart::from_request(req, state)
            .await
            .map_err(|e| ChevError::new(400, e.body_text()))?;
        let spec = FormSpec {
            file_fields: &["source", "image"],
            large_fields: &["source", "image"],
            max_bytes,
            required_first: (!key_known).then_some("key"),
        };
        let form = upload_body::receive_form(multipart, spec, &dir)
            .await
            .map_err(|e| match e.code {
                "file_too_large" => file_too_big(max_bytes),
                "key_after_file" => ChevError::new(100, capitalise(&e.message)),
                _ => e.into(),
            })?;
        (form.file, form.fields)
    } else {
        // urlencoded (or untyped): base64 sources make it large, so cap it like a file.
        let limit = usize::try_from(max_bytes / 3 * 4 + max_bytes / 38)
            .unwrap_or(usize::MAX)
            .saturating_add(upload_body::MAX_TEXT_FIELD);
        let bytes = axum::body::to_bytes(Body::new(req.into_body()), limit)
            .await
            .map_err(|e| {
                if crate::http_server::is_body_stalled(&e) {
                    ChevError::from(upload_body::stalled())
                } else {
                    ChevError::from(vitrine_app::AppError::TooLarge { max_bytes })
                }
            })?;
        (None, pairs(&bytes))
    };
    let params = Params { body, query };
    *format = Format::parse(params.get("format"));
    let ticket = match ticket.take() {
        Some(t) => t,
        None => match params.text("key") {
            Some(key) => authorise(state, meta, key).await?,
            None => return Err(ChevError::new(100, "Missing API v1 key")),
        },
    };
    let details = details(&params)?;

    let (incoming, imgbb): (Incoming, bool) = if let Some(f) = file {
        let imgbb = f.field == "image";
        (f.into(), imgbb)
    } else {
        let (value, imgbb) = match (params.get("source"), params.get("image")) {
            (Some(v), _) => (v.trim(), false),
            (None, Some(v)) => (v.trim(), true),
            (None, None) => ("", false),
        };
        if value.is_empty() {
            return Err(ChevError::new(130, "Empty upload source"));
        }
        // Base64 never contains `:`, so anything with a scheme is a URL (and only http(s)
        // ones are fetched).
        let is_url = value.split_once("://").is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        if is_url {
            let fetched = state.app.fetch_source(&ticket, value, &dir).await?;
            (fetched.into(), imgbb)
        } else if method != Method::POST {
            return Err(ChevError::new(
                130,
                "Base64 source is only accepted by POST",
            ));
        } else {
            (decode_base64(value, &ticket, &dir).await?, imgbb)
        }
    };
    let up = state.app.upload(ticket, incoming.input(details)).await?;
    Ok((up, imgbb))
}

async fn decode_base64(
    value: &str,
    ticket: &UploadTicket,
    dir: &std::path::Path,
) -> Result<Incoming, ChevError> {
    let payload = match value.split_once(";base64,") {
        Some((prefix, data)) if prefix.starts_with("data:") => data,
        _ => value,
    };
    // A `+` sent unencoded in a urlencoded body arrives as a space; base64 has no spaces.
    let cleaned: String = payload
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('+'),
            '\r' | '\n' | '\t' => None,
            c => Some(c),
        })
        .collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let bytes = engine
        .decode(cleaned.as_bytes())
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(cleaned.trim_end_matches('=').as_bytes())
        })
        .map_err(|_| ChevError::new(120, "Invalid base64 string"))?;
    if bytes.is_empty() {
        return Err(ChevError::new(130, "Empty upload source"));
    }
    if bytes.len() as u64 > ticket.max_bytes() {
        return Err(vitrine_app::AppError::TooLarge {
            max_bytes: ticket.max_bytes(),
        }
        .into());
    }
    let (file, sha256) = upload_body::save_bytes(&bytes, dir).await?;
    Ok(Incoming {
        file,
        size: bytes.len() as u64,
        sha256,
        filename: "image".to_owned(),
    })
}

/// The descriptive parameters. Lenient where clients are sloppy (titles are cut to 100
/// characters, lifetimes clamped), strict where a wrong guess would surprise (bad numbers).
fn details(p: &Params) -> Result<Details, ChevError> {
    let title = p
        .text("title")
        .or_else(|| p.text("name"))
        .map(|t| t.chars().take(100).collect::<String>());
    let expires_in = p
        .text("expiration")
        .map(|e| {
            parse_duration_secs(e)
                .map(|s| s.clamp(MIN_EXPIRY, MAX_EXPIRY))
                .map_err(|e| ChevError::new(400, format!("Invalid expiration: {}", e.message)))
        })
        .transpose()?;
    let resize_width = p
        .text("width")
        .map(|w| {
            w.parse::<u32>()
                .map_err(|_| ChevError::new(400, "Invalid width: must be a number of pixels"))
        })
        .transpose()?
        .filter(|w| *w > 0);
    // An album that is not the key owner's is ignored, as the contract says. `category_id`
    // is accepted and takes effect once categories exist.
    Ok(Details {
        album: p.text("album_id").map(str::to_owned),
        ignore_foreign_album: true,
        title,
        description: p.get("description").map(str::to_owned),
        nsfw: truthy(p.get("nsfw")),
        expires_in,
        tags: split_tags(p.get("tags")),
        resize_width,
        ..Default::default()
    })
}
