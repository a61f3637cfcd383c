//! Owns the owner's tools on the viewer page as plain forms (they work without JavaScript):
//! edit the details, move to an album, make it the album's cover, delete.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;
use vitrine_app::{AlbumInput, MediaPatch, Viewer};

use crate::auth::CurrentActor;
use crate::extract::WebForm;
use crate::request_meta::Meta;
use crate::state::AppState;
use crate::upload_source::split_tags;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/image/{id}/edit", post(edit))
        .route("/image/{id}/delete", post(delete))
        .route("/image/{id}/cover", post(make_cover))
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    tags: String,
    nsfw: Option<String>,
    privacy: Option<String>,
    /// Public id of the album; empty: out of any album.
    album: Option<String>,
    /// The album the form was shown with: only a change moves the item (the picker may not
    /// list every album, and then must not take the item out of its album).
    #[serde(default)]
    album_was: String,
}

fn viewer_url(id: &str, notice: &str) -> String {
    format!("/image/{id}?notice={notice}")
}

pub async fn edit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<String>,
    WebForm(form): WebForm<EditForm>,
) -> Result<Response, WebError> {
    let patch = MediaPatch {
        title: Some(form.title),
        description: Some(form.description),
        nsfw: Some(form.nsfw.is_some()),
        tags: Some(split_tags(Some(&form.tags))),
        privacy: form.privacy.filter(|p| !p.is_empty()),
    };
    // The move first: when it is refused, nothing of the form is half-saved.
    if let Some(album) = form.album.as_deref().map(str::trim)
        && album != form.album_was.trim()
    {
        let target = (!album.is_empty()).then_some(album);
        state
            .app
            .move_media(&actor, std::slice::from_ref(&id), target, &meta)
            .await?;
    }
    state.app.update_media(&actor, &id, patch).await?;
    Ok(Redirect::to(&viewer_url(&id, "media_saved")).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let files = state.app.get_media(&Viewer::from(&actor), &id).await?;
    let back = files.album.as_ref().map(|a| format!("/album/{a}"));
    state.app.delete_media(&actor, &id, &meta).await?;
    let to = back.unwrap_or_else(|| "/".to_owned());
    Ok(Redirect::to(&format!("{to}?notice=media_deleted")).into_response())
}

pub async fn make_cover(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let files = state.app.get_media(&Viewer::from(&actor), &id).await?;
    let album = files.album.clone().ok_or_else(|| {
        WebError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "This image is in no album.",
        )
    })?;
    let input = AlbumInput {
        cover: Some(Some(id.clone())),
        ..AlbumInput::default()
    };
    state.app.update_album(&actor, &album, input, &meta).await?;
    Ok(Redirect::to(&viewer_url(&id, "cover_set")).into_response())
}
