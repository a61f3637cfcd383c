//! Owns the media REST endpoints: upload (multipart, streamed to disk), read, edit, delete and
//! the signed-in user's listing.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use vitrine_app::MediaPatch;

use crate::api_types::{ErrorBody, MediaDto, MediaList, MediaPatchDto, UploadForm};
use crate::auth::{CurrentActor, CurrentViewer};
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::native_upload;
use crate::request_meta::Meta;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        // The upload enforces its own byte limit while streaming (a clear 413).
        .route(
            "/api/v1/media",
            post(upload_media)
                .layer(DefaultBodyLimit::disable())
                .get(list_recent_media),
        )
        .route(
            "/api/v1/media/{id}",
            get(get_media).patch(update_media).delete(delete_media),
        )
        .route("/api/v1/me/media", get(list_my_media))
}

/// Upload an image from a file or a URL. The response carries the file URLs and, once, a
/// delete link. Guests may upload when the site allows it.
#[utoipa::path(post, path = "/api/v1/media", tag = "media",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = MediaDto),
              (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "`url_uploads_disabled`"),
              (status = 413, body = ErrorBody, description = "`file_too_large`"),
              (status = 415, body = ErrorBody, description = "`unsupported_format`, `empty_file`, `format_not_allowed` (the site does not accept this format)"),
              (status = 422, body = ErrorBody, description = "`corrupt_image`, `too_many_pixels`, `image_too_large`, `too_many_frames`, `missing_file`, `validation_failed`, `checksum_mismatch`, `forbidden_url`, `fetch_failed`"),
              (status = 429, body = ErrorBody, description = "`too_many_uploads` (flood limit; see `Retry-After`)"),
              (status = 507, body = ErrorBody, description = "`insufficient_storage`")),
    security((), ("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn upload_media(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<MediaDto>)> {
    let uploaded = native_upload::receive(&state, &actor, &meta, multipart).await?;
    let dto = MediaDto::new(
        &state.links(),
        &uploaded.files,
        Some(&uploaded.delete_token),
    );
    Ok((StatusCode::CREATED, Json(dto)))
}

/// A media item (anyone with its id, unless hidden).
#[utoipa::path(get, path = "/api/v1/media/{id}", tag = "media", params(("id" = String, Path)),
    responses((status = 200, body = MediaDto), (status = 404, body = ErrorBody)))]
pub async fn get_media(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<MediaDto>> {
    let files = state.app.get_media(&viewer, &id).await?;
    Ok(Json(MediaDto::new(&state.links(), &files, None)))
}

/// Change title, description or the NSFW flag (owner or staff).
#[utoipa::path(patch, path = "/api/v1/media/{id}", tag = "media", params(("id" = String, Path)), request_body = MediaPatchDto,
    responses((status = 200, body = MediaDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn update_media(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MediaPatchDto>,
) -> ApiResult<Json<MediaDto>> {
    let patch = MediaPatch {
        title: req.title,
        description: req.description,
        nsfw: req.nsfw,
        tags: req.tags,
        privacy: req.privacy,
    };
    let files = state.app.update_media(&actor, &id, patch).await?;
    Ok(Json(MediaDto::new(&state.links(), &files, None)))
}

/// Delete a media item (owner or staff). Its files go once nothing else uses them.
#[utoipa::path(delete, path = "/api/v1/media/{id}", tag = "media", params(("id" = String, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn delete_media(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.app.delete_media(&actor, &id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1-100, default 30.
    pub limit: Option<u64>,
}

impl ListQuery {
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(30).clamp(1, 100)
    }
}

/// The signed-in user's media, newest first (keyset pagination).
#[utoipa::path(get, path = "/api/v1/me/media", tag = "media", params(ListQuery),
    responses((status = 200, body = MediaList), (status = 401, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn list_my_media(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<MediaList>> {
    let page = state
        .app
        .list_my_media(&viewer, q.cursor.as_deref(), q.limit())
        .await?;
    Ok(Json(MediaList::new(&state.links(), page)))
}

/// The site's recent public media, newest first (keyset pagination).
#[utoipa::path(get, path = "/api/v1/media", tag = "media", params(ListQuery),
    responses((status = 200, body = MediaList)))]
pub async fn list_recent_media(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<MediaList>> {
    let page = state
        .app
        .list_recent_media(&viewer, q.cursor.as_deref(), q.limit())
        .await?;
    Ok(Json(MediaList::new(&state.links(), page)))
}
