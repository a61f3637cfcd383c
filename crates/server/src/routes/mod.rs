//! Owns the route table and the middleware stack around it.

pub mod api_admin;
pub mod api_albums;
pub mod api_auth;
pub mod api_me;
pub mod api_media;
pub mod api_media_bulk;
pub mod api_profile_images;
pub mod api_users;
pub mod chevereto;
pub mod files;
pub mod metrics_endpoint;
pub mod oembed;
pub mod ops;
pub mod web_admin;
pub mod web_admin_site;
pub mod web_admin_uploads;
pub mod web_album_edit;
pub mod web_albums;
pub mod web_auth;
pub mod web_media;
pub mod web_media_edit;
pub mod web_pages;
pub mod web_password_reset;
pub mod web_profiles;
pub mod web_settings;
pub mod web_settings_images;
pub mod web_signup;
pub mod web_upload;

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, middleware};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{assets, auth, csrf, metrics, openapi, security_headers, web_error};

pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Random request ids (16 hex characters).
#[derive(Clone, Copy)]
struct RandomId;

impl MakeRequestId for RandomId {
    fn make_request_id<B>(&mut self, _req: &Request<B>) -> Option<RequestId> {
        random_request_id().map(RequestId::new)
    }
}

pub(crate) fn random_request_id() -> Option<axum::http::HeaderValue> {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).ok()?;
    hex::encode(b).parse().ok()
}

fn panic_response(_err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "something went wrong on our side",
    )
    .into_response()
}

pub fn router(state: AppState) -> Router {
    let authenticated = Router::new()
        .merge(web_pages::router())
        .merge(web_auth::router())
        .merge(web_password_reset::router())
        .merge(web_signup::router())
        .merge(web_settings::router())
        .merge(web_settings_images::router())
        .merge(web_admin::router())
        .merge(web_admin_site::router())
        .merge(web_admin_uploads::router())
        .merge(api_auth::router())
        .merge(api_me::router())
        .merge(api_admin::router())
        .merge(api_media::router())
        .merge(api_media_bulk::router())
        .merge(api_albums::router())
        .merge(api_users::router())
        .merge(api_profile_images::router())
        .merge(oembed::router())
        .merge(web_media::router())
        .merge(web_media_edit::router())
        .merge(web_upload::router())
        .merge(web_albums::router())
        .merge(web_album_edit::router())
        .merge(web_profiles::router())
        .merge(files::router())
        .layer(DefaultBodyLimit::max(state.config.max_form_bytes))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .route_layer(middleware::from_fn_with_state(state.clone(), csrf::protect));

    let swagger: Router<AppState> = SwaggerUi::new("/api/docs")
        .url("/api/v1/openapi.json", openapi::ApiDoc::openapi())
        .into();

    Router::new()
        .merge(authenticated)
        // Authenticated by key inside (never by cookie), so outside the session and CSRF layers.
        .merge(chevereto::router())
        .merge(ops::router())
        // With a listener of its own, the site has no `/metrics`: it is an unknown page.
        .merge(if state.config.metrics.bind.is_none() {
            metrics_endpoint::router()
        } else {
            Router::new()
        })
        .merge(swagger)
        // Text assets compress about 4:1; pages load them on every first visit.
        .route(
            "/static/{*path}",
            get(assets::serve_static).layer(CompressionLayer::new()),
        )
        .route("/favicon.ico", get(|| async { axum::response::Redirect::permanent("/static/favicon.svg") }))
        .fallback(web_error::not_found)
        .method_not_allowed_fallback(web_error::method_not_allowed)
        .layer(middleware::from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(middleware::from_fn_with_state(
            state.file_cache.clone(),
            crate::file_cache::forget_on_changes,
        ))
        // Inside the error pages: a 404 it turns into a redirect is never rendered as a page.
        .layer(middleware::from_fn_with_state(state.clone(), crate::files_origin::route))
        .layer(middleware::from_fn_with_state(state.clone(), web_error::render_error_pages))
        // The whole request; a client that stalls is cut off sooner (see http_server).
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(u64::from(state.config.http.request_timeout_secs.max(1))),
        ))
        .layer(middleware::from_fn_with_state(state.clone(), web_error::explain_timeouts))
        .layer(CatchPanicLayer::custom(panic_response))
        // Outside the timeout and panic layers, so their answers carry the headers too.
        .layer(middleware::from_fn_with_state(
            state.page_csp.clone(),
            security_headers::add,
        ))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID, RandomId))
        // Outermost: every answer, including the timeout's, says when the connection closes.
        .layer(middleware::from_fn(crate::unread_body::close_if_unread))
        .with_state(state)
}
