//! Owns the album REST endpoints: CRUD, password unlock, contents (sub-albums and media),
//! moving albums, and the signed-in user's albums.

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use vitrine_db::AlbumContents;

use crate::api_album_types::{AlbumDto, AlbumList, AlbumRequest, MoveAlbumsRequest, UnlockRequest};
use crate::api_types::{ErrorBody, MediaList};
use crate::auth::{CurrentActor, CurrentViewer};
use crate::cookies;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::request_meta::Meta;
use crate::routes::api_media::ListQuery;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/albums", post(create_album))
        .route(
            "/api/v1/albums/{id}",
            get(get_album).patch(update_album).delete(delete_album),
        )
        .route("/api/v1/albums/{id}/unlock", post(unlock_album))
        .route("/api/v1/albums/{id}/media", get(list_album_media))
        .route("/api/v1/albums/{id}/albums", get(list_sub_albums))
        .route("/api/v1/albums/move", post(move_albums))
        .route("/api/v1/me/albums", get(list_my_albums))
}

/// Create an album (optionally inside one of yours).
#[utoipa::path(post, path = "/api/v1/albums", tag = "albums", request_body = AlbumRequest,
    responses((status = 201, body = AlbumDto), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn create_album(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<AlbumRequest>,
) -> ApiResult<(StatusCode, Json<AlbumDto>)> {
    let view = state.app.create_album(&actor, req.into(), &meta).await?;
    Ok((
        StatusCode::CREATED,
        Json(AlbumDto::new(&state.links(), &view)),
    ))
}

/// An album, as the requester may see it (403 `album_password_required` while locked).
#[utoipa::path(get, path = "/api/v1/albums/{id}", tag = "albums", params(("id" = String, Path)),
    responses((status = 200, body = AlbumDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_album(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<AlbumDto>> {
    let view = state.app.album_view(&viewer, &id).await?;
    Ok(Json(AlbumDto::new(&state.links(), &view)))
}

/// Change title, description, privacy (and password), sort order or cover.
#[utoipa::path(patch, path = "/api/v1/albums/{id}", tag = "albums", params(("id" = String, Path)), request_body = AlbumRequest,
    responses((status = 200, body = AlbumDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn update_album(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AlbumRequest>,
) -> ApiResult<Json<AlbumDto>> {
    if req.parent.is_some() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "parent: use POST /api/v1/albums/move to move an album",
        ));
    }
    let view = state
        .app
        .update_album(&actor, &id, req.into(), &meta)
        .await?;
    Ok(Json(AlbumDto::new(&state.links(), &view)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeleteQuery {
    /// `move_up` (default: sub-albums and media move to the parent album) or `delete`
    /// (everything inside is deleted too).
    contents: Option<String>,
}

/// Delete an album, moving its contents up or deleting them too.
#[utoipa::path(delete, path = "/api/v1/albums/{id}", tag = "albums", params(("id" = String, Path), DeleteQuery),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn delete_album(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<String>,
    Query(q): Query<DeleteQuery>,
) -> ApiResult<StatusCode> {
    let contents = match q.contents.as_deref() {
        None | Some("move_up") => AlbumContents::MoveUp,
        Some("delete") => AlbumContents::Delete,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "contents: must be move_up or delete",
            ));
        }
    };
    state.app.delete_album(&actor, &id, contents, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enter a password-protected album's password. The grant is kept for a day in the
/// `vitrine_unlock` cookie this sets (send it back on later requests).
#[utoipa::path(post, path = "/api/v1/albums/{id}/unlock", tag = "albums", params(("id" = String, Path)), request_body = UnlockRequest,
    responses((status = 204, description = "Unlocked; see Set-Cookie"), (status = 403, body = ErrorBody, description = "`wrong_album_password`"),
              (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn unlock_album(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Meta(meta): Meta,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UnlockRequest>,
) -> ApiResult<Response> {
    let token = state
        .app
        .unlock_album(&viewer, &id, &req.password, &meta)
        .await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = cookies::set_unlock(&token, state.config.is_https()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

/// The media in an album, in its sort order (keyset pagination).
#[utoipa::path(get, path = "/api/v1/albums/{id}/media", tag = "albums", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = MediaList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_album_media(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<MediaList>> {
    let page = state
        .app
        .list_album_media(&viewer, &id, q.cursor.as_deref(), q.limit())
        .await?;
    Ok(Json(MediaList::new(&state.links(), page)))
}

/// The sub-albums of an album, newest first.
#[utoipa::path(get, path = "/api/v1/albums/{id}/albums", tag = "albums", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = AlbumList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_sub_albums(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<AlbumList>> {
    let page = state
        .app
        .list_sub_albums(&viewer, &id, q.cursor.as_deref(), q.limit())
        .await?;
    Ok(Json(AlbumList::new(&state.links(), page)))
}

/// Move albums under another album, or to the top level. Moving an album under itself or
/// one of its own sub-albums is refused.
#[utoipa::path(post, path = "/api/v1/albums/move", tag = "albums", request_body = MoveAlbumsRequest,
    responses((status = 204, description = "Moved"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn move_albums(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<MoveAlbumsRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .move_albums(&actor, &req.albums, req.parent.as_deref(), &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user's top-level albums, newest first.
#[utoipa::path(get, path = "/api/v1/me/albums", tag = "albums", params(ListQuery),
    responses((status = 200, body = AlbumList), (status = 401, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn list_my_albums(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<AlbumList>> {
    let me = viewer.actor.require_user()?.id;
    let page = state
        .app
        .list_user_albums(&viewer, me, true, q.cursor.as_deref(), q.limit())
        .await?;
    Ok(Json(AlbumList::new(&state.links(), page)))
}
