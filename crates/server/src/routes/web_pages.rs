//! Owns the home page and the fixed notices shown after a redirect (`?notice=key`; only known
//! keys map to text, so no user input is ever echoed through it).

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use vitrine_app::Viewer;

use crate::api_types::MediaDto;
use crate::auth::CurrentActor;
use crate::page;
use crate::site_theme;
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/site.css", get(site_css))
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    notice: Option<String>,
    cursor: Option<String>,
}

/// The text for a notice key, if it is one we issue.
pub fn notice_text(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "welcome" => "Welcome! Your account is ready.",
        "setup_done" => "Your administrator account is ready. Welcome to your new site.",
        "logged_out" => "You are signed out.",
        "password_changed" => "Your password was changed. Your other sessions were signed out.",
        "password_reset" => {
            "Your password was changed and every session was signed out. Log in with the new one."
        }
        "profile_saved" => "Your profile was saved.",
        "key_revoked" => "The API key was revoked. It no longer works.",
        "media_deleted" => "The image was deleted.",
        "media_saved" => "Your changes were saved.",
        "cover_set" => "This image is now the album's cover.",
        "album_created" => "The album was created.",
        "album_saved" => "The album was saved.",
        "album_deleted" => "The album was deleted.",
        "uploaded" => "Your upload is ready.",
        "picture_saved" => "Your picture was saved.",
        "picture_removed" => "Your picture was removed.",
        _ => return None,
    })
}

/// The admin's accent colour as a stylesheet (empty without one).
pub async fn site_css(State(state): State<AppState>) -> Result<Response, WebError> {
    let site = state.app.site_settings().await?;
    let css = site.accent.map(site_theme::accent_css).unwrap_or_default();
    let headers = [
        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
        (header::CACHE_CONTROL, "public, max-age=300"),
    ];
    Ok((headers, css).into_response())
}

pub async fn home(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<HomeQuery>,
) -> Result<Response, WebError> {
    let first_visit = matches!(q.notice.as_deref(), Some("welcome" | "setup_done"));
    let links = state.links();
    let (items, next) = state
        .app
        .list_recent_media(&Viewer::from(&actor), q.cursor.as_deref(), 40)
        .await?;
    let media: Vec<MediaDto> = items
        .iter()
        .map(|f| MediaDto::new(&links, f, None))
        .collect();
    let ctx = json!({
        "notice": notice_text(q.notice.as_deref()),
        "first_visit": first_visit,
        "media": media,
        "next_cursor": next,
        "paged": q.cursor.is_some(),
    });
    Ok(page::render(&state, &actor, "home.html", ctx)
        .await?
        .into_response())
}
