//! Owns the media REST endpoints: upload (multipart, streamed to disk), read, edit, delete and
//! the signed-in user's listing.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use vitrine_app::{MediaPatch, UploadInput};

use crate::api_types::{ErrorBody, MediaDto, MediaList, MediaPatchDto, UploadForm};
use crate::auth::CurrentActor;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::request_meta::Meta;
use crate::state::AppState;
use crate::upload_body::{self, Received};

pub fn router() -> Router<AppState> {
    Router::new()
        // The upload enforces its own byte limit while streaming (a clear 413).
        .route(
            "/api/v1/media",
            post(upload_media).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/media/{id}",
            get(get_media).patch(update_media).delete(delete_media),
        )
        .route("/api/v1/me/media", get(list_my_media))
}

fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "on" | "yes"
        )
    })
}

/// Turns the received form into the use case's input.
pub fn upload_input(r: &Received) -> Result<UploadInput, ApiError> {
    let expires_in = match r
        .field("expires_in")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => Some(s.parse::<i64>().map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "expires_in: must be a number of seconds",
            )
        })?),
        None => None,
    };
    if let Some(sum) = r.field("sha256").map(str::trim).filter(|s| !s.is_empty())
        && !sum.eq_ignore_ascii_case(&r.sha256)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "checksum_mismatch",
            "the file does not match the given sha256",
        ));
    }
    Ok(UploadInput {
        temp_path: r.file.path().to_path_buf(),
        size: r.size,
        filename: r.filename.clone(),
        title: r.field("title").map(str::to_owned),
        description: r.field("description").map(str::to_owned),
        nsfw: truthy(r.field("nsfw")),
        expires_in,
    })
}

/// Upload an image. The response carries the file URLs and, once, a delete link.
#[utoipa::path(post, path = "/api/v1/media", tag = "media",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = MediaDto),
              (status = 401, body = ErrorBody),
              (status = 413, body = ErrorBody, description = "`file_too_large`"),
              (status = 415, body = ErrorBody, description = "`unsupported_format`, `empty_file`"),
              (status = 422, body = ErrorBody, description = "`corrupt_image`, `too_many_pixels`, `image_too_large`, `too_many_frames`, `missing_file`, `validation_failed`"),
              (status = 507, body = ErrorBody, description = "`insufficient_storage`")),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn upload_media(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<MediaDto>)> {
    actor.require_user()?;
    let max = state.app.upload_settings().await?.max_bytes;
    let received =
        upload_body::receive(multipart, &["file"], &state.config.temp_dir(), max).await?;
    let uploaded = state
        .app
        .upload(&actor, upload_input(&received)?, &meta)
        .await?;
    let dto = MediaDto::new(
        &state.base_url(),
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
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> ApiResult<Json<MediaDto>> {
    let files = state.app.get_media(&actor, &id).await?;
    Ok(Json(MediaDto::new(&state.base_url(), &files, None)))
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
    };
    let files = state.app.update_media(&actor, &id, patch).await?;
    Ok(Json(MediaDto::new(&state.base_url(), &files, None)))
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
    cursor: Option<String>,
    /// 1-100, default 30.
    limit: Option<u64>,
}

/// The signed-in user's media, newest first (keyset pagination).
#[utoipa::path(get, path = "/api/v1/me/media", tag = "media", params(ListQuery),
    responses((status = 200, body = MediaList), (status = 401, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn list_my_media(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<MediaList>> {
    let limit = q.limit.unwrap_or(30).clamp(1, 100);
    let (items, next_cursor) = state
        .app
        .list_my_media(&actor, q.cursor.as_deref(), limit)
        .await?;
    let base = state.base_url();
    let items = items
        .iter()
        .map(|f| MediaDto::new(&base, f, None))
        .collect();
    Ok(Json(MediaList { items, next_cursor }))
}
