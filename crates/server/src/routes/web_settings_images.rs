//! Owns the settings page's picture forms: upload or remove the avatar and the profile cover
//! (multipart forms that work without JavaScript).

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use vitrine_db::ProfileImage;

use crate::auth::CurrentActor;
use crate::page::sentence;
use crate::request_meta::Meta;
use crate::routes::api_profile_images::receive_profile_image;
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/settings/picture/{which}",
            // The upload enforces its own byte limit while streaming.
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/settings/picture/{which}/remove", post(remove))
}

fn which(name: &str) -> Result<ProfileImage, WebError> {
    match name {
        "avatar" => Ok(ProfileImage::Avatar),
        "cover" => Ok(ProfileImage::Cover),
        _ => Err(WebError::not_found()),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(name): Path<String>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let kind = which(&name)?;
    if actor.user().is_none() {
        return Ok(Redirect::to("/login?next=/settings").into_response());
    }
    receive_profile_image(&state, &actor, &meta, multipart, kind)
        .await
        .map_err(|e| WebError::new(e.status, sentence(&e.message)))?;
    Ok(Redirect::to("/settings?notice=picture_saved#pictures").into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(name): Path<String>,
) -> Result<Response, WebError> {
    let kind = which(&name)?;
    if actor.user().is_none() {
        return Err(WebError::new(StatusCode::UNAUTHORIZED, "Please log in."));
    }
    state.app.clear_profile_image(&actor, kind).await?;
    Ok(Redirect::to("/settings?notice=picture_removed#pictures").into_response())
}
