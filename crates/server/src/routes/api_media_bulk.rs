//! Owns the bulk media endpoints: move into an album, edit privacy or NSFW, delete.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use vitrine_app::BulkEdit;

use crate::api_album_types::{BulkDeleteRequest, BulkEditRequest, MoveMediaRequest};
use crate::api_types::ErrorBody;
use crate::auth::CurrentActor;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::request_meta::Meta;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/media/move", post(move_media))
        .route("/api/v1/media/bulk-edit", post(edit_media))
        .route("/api/v1/media/bulk-delete", post(delete_media))
}

/// Move media into one of your albums, or out of any album (`album: null`).
#[utoipa::path(post, path = "/api/v1/media/move", tag = "media", request_body = MoveMediaRequest,
    responses((status = 204, description = "Moved"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn move_media(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<MoveMediaRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .move_media(&actor, &req.media, req.album.as_deref(), &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set the privacy level or NSFW flag of many media.
#[utoipa::path(post, path = "/api/v1/media/bulk-edit", tag = "media", request_body = BulkEditRequest,
    responses((status = 204, description = "Changed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn edit_media(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<BulkEditRequest>,
) -> ApiResult<StatusCode> {
    let edit = BulkEdit {
        privacy: req.privacy,
        nsfw: req.nsfw,
    };
    state
        .app
        .edit_media_bulk(&actor, &req.media, edit, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete many media.
#[utoipa::path(post, path = "/api/v1/media/bulk-delete", tag = "media", request_body = BulkDeleteRequest,
    responses((status = 204, description = "Deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn delete_media(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<BulkDeleteRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .delete_media_bulk(&actor, &req.media, &meta)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
