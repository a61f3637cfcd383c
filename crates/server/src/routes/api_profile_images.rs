//! Owns the signed-in user's avatar and cover endpoints: an image sent as multipart `file`
//! goes through the ingest pipeline with the profile sizes; DELETE removes it.

use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::routing::put;
use axum::{Json, Router};
use vitrine_db::ProfileImage;

use crate::api_types::{ErrorBody, MediaDto, UploadForm};
use crate::auth::CurrentActor;
use crate::error::{ApiError, ApiResult};
use crate::request_meta::Meta;
use crate::state::AppState;
use crate::upload_body::{self, FormSpec};
use crate::upload_source::{Details, Incoming};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/me/avatar",
            put(put_avatar)
                .layer(DefaultBodyLimit::disable())
                .delete(delete_avatar),
        )
        .route(
            "/api/v1/me/cover",
            put(put_cover)
                .layer(DefaultBodyLimit::disable())
                .delete(delete_cover),
        )
}

/// Receives and stores a profile image (also used by the settings page's form).
pub async fn receive_profile_image(
    state: &AppState,
    actor: &vitrine_app::Actor,
    meta: &vitrine_app::RequestMeta,
    multipart: Multipart,
    which: ProfileImage,
) -> Result<vitrine_app::Uploaded, ApiError> {
    actor.require_user()?;
    let ticket = state.app.begin_upload(actor, meta).await?;
    let spec = FormSpec {
        file_fields: &["file"],
        large_fields: &[],
        max_bytes: ticket.max_bytes(),
        required_first: None,
    };
    let form = upload_body::receive_form(multipart, spec, &state.config.temp_dir()).await?;
    let incoming: Incoming = form
        .file
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing_file",
                "no file was sent (use the form field `file`)",
            )
        })?
        .into();
    Ok(state
        .app
        .set_profile_image(ticket, incoming.input(Details::default()), which)
        .await?)
}

async fn put_image(
    state: AppState,
    actor: vitrine_app::Actor,
    meta: vitrine_app::RequestMeta,
    multipart: Multipart,
    which: ProfileImage,
) -> ApiResult<Json<MediaDto>> {
    let uploaded = receive_profile_image(&state, &actor, &meta, multipart, which).await?;
    Ok(Json(MediaDto::new(&state.links(), &uploaded.files, None)))
}

/// Set your avatar (a square 256 px thumbnail is made; multipart field `file`).
#[utoipa::path(put, path = "/api/v1/me/avatar", tag = "me",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = MediaDto), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn put_avatar(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    multipart: Multipart,
) -> ApiResult<Json<MediaDto>> {
    put_image(state, actor, meta, multipart, ProfileImage::Avatar).await
}

/// Set your profile cover image (a 1600 px wide medium size is made; multipart field `file`).
#[utoipa::path(put, path = "/api/v1/me/cover", tag = "me",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = MediaDto), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn put_cover(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    multipart: Multipart,
) -> ApiResult<Json<MediaDto>> {
    put_image(state, actor, meta, multipart, ProfileImage::Cover).await
}

/// Remove your avatar.
#[utoipa::path(delete, path = "/api/v1/me/avatar", tag = "me",
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn delete_avatar(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<StatusCode> {
    state
        .app
        .clear_profile_image(&actor, ProfileImage::Avatar)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove your cover image.
#[utoipa::path(delete, path = "/api/v1/me/cover", tag = "me",
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn delete_cover(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<StatusCode> {
    state
        .app
        .clear_profile_image(&actor, ProfileImage::Cover)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
