//! Owns album management as plain forms (they work without JavaScript): the "Albums" page
//! with its create form, and on an album page: new sub-album, edit, move, delete.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use vitrine_app::{AlbumInput, Viewer};
use vitrine_db::AlbumContents;

use crate::api_album_types::AlbumDto;
use crate::auth::CurrentActor;
use crate::extract::WebForm;
use crate::page;
use crate::request_meta::Meta;
use crate::routes::web_pages::{NoticeQuery, notice_text};
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/albums", get(albums_page).post(create))
        .route("/album/{id}/edit", post(edit))
        .route("/album/{id}/move", post(move_album))
        .route("/album/{id}/delete", post(delete))
}

#[derive(Debug, Deserialize)]
pub struct AlbumForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    privacy: Option<String>,
    /// Only read when the level is `password`; empty keeps the current password.
    #[serde(default)]
    password: String,
    sort: Option<String>,
    /// Create only: public id of the parent.
    parent: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

pub async fn albums_page(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let Some(user) = actor.user() else {
        return Ok(Redirect::to("/login?next=/albums").into_response());
    };
    let links = state.links();
    let (albums, _) = state
        .app
        .list_user_albums(&Viewer::from(&actor), user.id, true, None, 100)
        .await?;
    let albums: Vec<AlbumDto> = albums.iter().map(|v| AlbumDto::new(&links, v)).collect();
    let ctx = json!({ "albums": albums, "notice": notice_text(q.notice.as_deref()) });
    Ok(page::render(&state, &actor, "albums.html", ctx)
        .await?
        .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    WebForm(form): WebForm<AlbumForm>,
) -> Result<Response, WebError> {
    let input = AlbumInput {
        title: Some(form.title),
        description: Some(form.description),
        privacy: non_empty(form.privacy),
        password: Some(form.password).filter(|p| !p.is_empty()),
        sort: non_empty(form.sort),
        parent: non_empty(form.parent),
        cover: None,
    };
    let view = state.app.create_album(&actor, input, &meta).await?;
    let id = view.album.public_id;
    Ok(Redirect::to(&format!("/album/{id}?notice=album_created")).into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<String>,
    WebForm(form): WebForm<AlbumForm>,
) -> Result<Response, WebError> {
    let input = AlbumInput {
        title: Some(form.title),
        description: Some(form.description),
        privacy: non_empty(form.privacy),
        password: Some(form.password).filter(|p| !p.is_empty()),
        sort: non_empty(form.sort),
        parent: None,
        cover: None,
    };
    state.app.update_album(&actor, &id, input, &meta).await?;
    Ok(Redirect::to(&format!("/album/{id}?notice=album_saved")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    /// Public id of the new parent; empty: top level.
    #[serde(default)]
    parent: String,
}

pub async fn move_album(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<String>,
    WebForm(form): WebForm<MoveForm>,
) -> Result<Response, WebError> {
    let parent = Some(form.parent.trim()).filter(|p| !p.is_empty());
    state
        .app
        .move_albums(&actor, std::slice::from_ref(&id), parent, &meta)
        .await?;
    Ok(Redirect::to(&format!("/album/{id}?notice=album_saved")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    contents: String,
}

pub async fn delete(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<String>,
    WebForm(form): WebForm<DeleteForm>,
) -> Result<Response, WebError> {
    let contents = match form.contents.as_str() {
        "" | "move_up" => AlbumContents::MoveUp,
        "delete" => AlbumContents::Delete,
        _ => {
            return Err(WebError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose what happens to the album's contents.",
            ));
        }
    };
    let view = state.app.album_view(&Viewer::from(&actor), &id).await?;
    let back = match view.parent_public_id {
        Some(p) => format!("/album/{p}?notice=album_deleted"),
        None => "/albums?notice=album_deleted".to_owned(),
    };
    state.app.delete_album(&actor, &id, contents, &meta).await?;
    Ok(Redirect::to(&back).into_response())
}
