//! Owns HTML error pages. Handlers and middleware return a `WebError`; the outermost
//! `render_error_pages` middleware turns it into the themed page (it has the templates).
//! Unknown routes and wrong methods get JSON under `/api/` and a page elsewhere.

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use vitrine_app::AppError;

use crate::auth::is_api_path;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
}

/// Marker left on a response for `render_error_pages`.
#[derive(Debug, Clone)]
struct ErrorPage {
    message: String,
}

impl WebError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "There is nothing at this address.")
    }
}

impl From<AppError> for WebError {
    fn from(err: AppError) -> Self {
        let api = ApiError::from(err);
        Self::new(api.status, api.message)
    }
}

impl From<minijinja::Error> for WebError {
    fn from(err: minijinja::Error) -> Self {
        tracing::error!(error = %err, "template failed to render");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side.",
        )
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        res.extensions_mut().insert(ErrorPage {
            message: self.message,
        });
        res
    }
}

pub async fn render_error_pages(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let res = next.run(req).await;
    let Some(page) = res.extensions().get::<ErrorPage>().cloned() else {
        return res;
    };
    let status = res.status();
    // The site name is decoration here: an error page must render even with the database down,
    // and without waiting for it again when it is what failed.
    let (site, logo) = if status == StatusCode::SERVICE_UNAVAILABLE {
        (Default::default(), None)
    } else {
        let site = state.app.site_settings().await.unwrap_or_default();
        let logo = state.app.site_logo(&site).await.ok().flatten();
        (site, logo)
    };
    let mut out = render(&state, status, &page.message, &site, logo.as_ref());
    for (k, v) in res.headers() {
        if k != axum::http::header::CONTENT_TYPE && k != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().append(k.clone(), v.clone());
        }
    }
    out
}

/// The error page for `status` with `message`.
fn render(
    state: &AppState,
    status: StatusCode,
    message: &str,
    site: &vitrine_app::SiteSettings,
    logo: Option<&vitrine_db::MediaFiles>,
) -> Response {
    let ctx = json!({
        "site": crate::page::site_context(state, site, logo),
        "me": null,
        "asset_version": state.asset_version,
        "status": status.as_u16(),
        "title": status.canonical_reason().unwrap_or("Error"),
        "message": message,
        "notice": null,
        "error": null,
    });
    let body = state
        .templates
        .render("error.html", ctx)
        .unwrap_or_else(|_| format!("{} {message}", status.as_u16()));
    (status, Html(body)).into_response()
}

/// Gives the whole-request timeout's bare 408 a body: the JSON error on API paths, else the
/// error page (without the site's settings: the request already ran out of time, and the
/// database may be why).
pub async fn explain_timeouts(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = is_api_path(req.uri().path());
    let res = next.run(req).await;
    if res.status() != StatusCode::REQUEST_TIMEOUT
        || res.headers().contains_key(axum::http::header::CONTENT_TYPE)
    {
        return res;
    }
    let message = "The request took too long to complete. Please try again.";
    if api {
        return ApiError::new(StatusCode::REQUEST_TIMEOUT, "request_timeout", message)
            .into_response();
    }
    render(
        &state,
        StatusCode::REQUEST_TIMEOUT,
        message,
        &Default::default(),
        None,
    )
}

/// Fallback for unknown routes.
pub async fn not_found(uri: Uri) -> Response {
    if is_api_path(uri.path()) {
        ApiError::not_found().into_response()
    } else {
        WebError::not_found().into_response()
    }
}

/// Fallback for a known route used with the wrong method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let msg = format!("{method} is not allowed here");
    if is_api_path(uri.path()) {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", msg).into_response()
    } else {
        WebError::new(StatusCode::METHOD_NOT_ALLOWED, msg).into_response()
    }
}
