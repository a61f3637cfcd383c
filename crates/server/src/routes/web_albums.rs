//! Owns the album page (`/album/{id}`, also `/album/{slug}.{id}`): breadcrumb, sub-albums,
//! media (a plain "next page" link), link-preview tags, and the password form of a locked
//! album (the grant goes into the visitor's unlock cookie).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use vitrine_app::{AppError, Viewer};

use crate::album_choices::album_choices;
use crate::api_album_types::AlbumDto;
use crate::api_types::MediaDto;
use crate::auth::CurrentViewer;
use crate::cookies;
use crate::extract::WebForm;
use crate::page;
use crate::request_meta::Meta;
use crate::routes::web_pages::notice_text;
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/album/{id}", get(album_page))
        .route("/album/{id}/unlock", post(unlock))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    cursor: Option<String>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UnlockForm {
    #[serde(default)]
    password: String,
}

/// `slug.id` links resolve by the part after the last dot.
fn album_id(raw: &str) -> String {
    raw.rsplit('.').next().unwrap_or_default().to_owned()
}

async fn locked(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let ctx = json!({ "album_id": id, "error": error });
    let html = page::render(state, &viewer.actor, "album_locked.html", ctx).await?;
    Ok((status, html).into_response())
}

pub async fn album_page(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(raw): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let id = album_id(&raw);
    let view = match state.app.album_view(&viewer, &id).await {
        Ok(v) => v,
        Err(AppError::PasswordRequired { album }) => {
            return locked(&state, &viewer, &album, None, StatusCode::FORBIDDEN).await;
        }
        Err(e) => return Err(e.into()),
    };
    let links = state.links();
    let album = AlbumDto::new(&links, &view);
    let (subs, _) = state.app.list_sub_albums(&viewer, &id, None, 100).await?;
    let sub_albums: Vec<AlbumDto> = subs.iter().map(|v| AlbumDto::new(&links, v)).collect();
    let (items, next_cursor) = state
        .app
        .list_album_media(&viewer, &id, q.cursor.as_deref(), 60)
        .await?;
    let media: Vec<MediaDto> = items
        .iter()
        .map(|f| MediaDto::new(&links, f, None))
        .collect();
    let og_image = album.cover.as_ref().map(|c| {
        c.files
            .medium
            .as_ref()
            .unwrap_or(&c.files.original)
            .url
            .clone()
    });
    let og_description: String = album.description.chars().take(200).collect();
    let choices = match (album.editable, viewer.actor.user()) {
        (true, Some(_)) => album_choices(&state, &viewer.actor, view.album.owner_id).await?,
        _ => Vec::new(),
    };
    let ctx = json!({
        "notice": notice_text(q.notice.as_deref()),
        "choices": choices,
        "album": album,
        "sub_albums": sub_albums,
        "media": media,
        "next_cursor": next_cursor,
        "og_image": og_image,
        "og_description": og_description,
    });
    Ok(page::render(&state, &viewer.actor, "album.html", ctx)
        .await?
        .into_response())
}

pub async fn unlock(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Meta(meta): Meta,
    Path(raw): Path<String>,
    WebForm(form): WebForm<UnlockForm>,
) -> Result<Response, WebError> {
    let id = album_id(&raw);
    match state
        .app
        .unlock_album(&viewer, &id, &form.password, &meta)
        .await
    {
        Ok(token) => {
            let mut res = Redirect::to(&format!("/album/{id}")).into_response();
            if let Some(c) = cookies::set_unlock(&token, state.config.is_https()) {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            Ok(res)
        }
        Err(AppError::WrongAlbumPassword) => {
            locked(
                &state,
                &viewer,
                &id,
                Some("That password is not right."),
                StatusCode::FORBIDDEN,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
