//! Owns the home page and the fixed notices shown after a redirect (`?notice=key`; only known
//! keys map to text, so no user input is ever echoed through it).

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;

use crate::auth::CurrentActor;
use crate::page;
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Debug, Deserialize)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// The text for a notice key, if it is one we issue.
pub fn notice_text(key: Option<&str>) -> Option<&'static str> {
    Some(match key? {
        "welcome" => "Welcome! Your account is ready.",
        "setup_done" => "Your administrator account is ready. Welcome to your new site.",
        "logged_out" => "You are signed out.",
        "password_changed" => "Your password was changed. Your other sessions were signed out.",
        "profile_saved" => "Your profile was saved.",
        "key_revoked" => "The API key was revoked. It no longer works.",
        "media_deleted" => "The image was deleted.",
        _ => return None,
    })
}

pub async fn home(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let first_visit = matches!(q.notice.as_deref(), Some("welcome" | "setup_done"));
    let ctx = json!({ "notice": notice_text(q.notice.as_deref()), "first_visit": first_visit });
    Ok(page::render(&state, &actor, "home.html", ctx)
        .await?
        .into_response())
}
