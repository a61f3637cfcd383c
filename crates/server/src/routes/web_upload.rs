//! Owns the upload page (`/upload`): the uploader that upload.js turns into a queue with
//! previews and progress, and its no-JavaScript form (one file per submission), which stores
//! the file and opens its viewer page.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::json;

use axum::http::{HeaderValue, header};

use crate::album_choices::album_choices;
use crate::api_types::MediaDto;
use crate::auth::CurrentActor;
use crate::native_upload;
use crate::page;
use crate::request_meta::Meta;
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/upload",
        // The upload enforces its own byte limit while streaming.
        get(upload_page)
            .post(upload_submit)
            .layer(DefaultBodyLimit::disable()),
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct UploadQuery {
    /// Public id of the album to preselect ("Upload here" on an album page).
    album: Option<String>,
}

pub async fn upload_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<UploadQuery>,
) -> Result<Response, WebError> {
    if state.app.upload_allowance(&actor).await?.is_none() {
        return Ok(Redirect::to("/login?next=/upload").into_response());
    }
    let albums = match actor.user() {
        Some(u) => album_choices(&state, &actor, u.id).await?,
        None => Vec::new(),
    };
    let ctx = json!({
        "albums": albums,
        "signed_in": actor.user().is_some(),
        "selected_album": q.album,
    });
    Ok(page::render(&state, &actor, "upload.html", ctx)
        .await?
        .into_response())
}

pub async fn upload_submit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let uploaded = native_upload::receive(&state, &actor, &meta, multipart)
        .await
        .map_err(|e| WebError::new(e.status, crate::page::sentence(&e.message)))?;
    let id = uploaded.files.media.public_id.to_string();
    if actor.user().is_some() {
        return Ok(Redirect::to(&format!("/image/{id}?notice=uploaded")).into_response());
    }
    // A guest cannot find their upload again: show its links, the delete link among them, once.
    let links = state.links();
    let dto = MediaDto::new(&links, &uploaded.files, Some(&uploaded.delete_token));
    let ctx = json!({ "media": dto });
    let mut res = page::render(&state, &actor, "uploaded.html", ctx)
        .await?
        .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
