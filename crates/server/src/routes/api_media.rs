//! Owns the media REST endpoints: upload (multipart, streamed to disk), read, edit, delete and
//! the signed-in user's listing.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use vitrine_app::MediaPatch;
use vitrine_domain::parse_duration_secs;

use crate::api_types::{ErrorBody, MediaDto, MediaList, MediaPatchDto, UploadForm};
use crate::auth::{CurrentActor, CurrentViewer};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::request_meta::Meta;
use crate::state::AppState;
use crate::upload_body::{self, Form, FormSpec};
use crate::upload_source::{Details, Incoming, split_tags, truthy};

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

fn invalid(field: &'static str, msg: &str) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        format!("{field}: {msg}"),
    );
    e.field = Some(field);
    e
}

/// The descriptive fields of the native upload form.
fn details(form: &Form) -> Result<Details, ApiError> {
    let text = |k| form.field(k).map(str::trim).filter(|s| !s.is_empty());
    let expires_in = text("expires_in")
        .map(|s| parse_duration_secs(s).map_err(|e| invalid("expires_in", &e.message)))
        .transpose()?;
    let resize_width = text("width")
        .map(|s| {
            s.parse::<u32>()
                .ok()
                .filter(|w| *w > 0)
                .ok_or_else(|| invalid("width", "must be a positive number of pixels"))
        })
        .transpose()?;
    Ok(Details {
        title: form.field("title").map(str::to_owned),
        description: form.field("description").map(str::to_owned),
        nsfw: truthy(form.field("nsfw")),
        expires_in,
        tags: split_tags(form.field("tags")),
        resize_width,
        album: text("album").map(str::to_owned),
        ignore_foreign_album: false,
        privacy: text("privacy").map(str::to_owned),
    })
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
    let ticket = state.app.begin_upload(&actor, &meta).await?;
    let dir = state.config.temp_dir();
    let spec = FormSpec {
        file_fields: &["file"],
        large_fields: &[],
        max_bytes: ticket.max_bytes(),
        required_first: None,
    };
    let mut form = upload_body::receive_form(multipart, spec, &dir).await?;
    let details = details(&form)?;
    let incoming: Incoming = match (form.file.take(), form.field("url").map(str::trim)) {
        (Some(file), _) => file.into(),
        (None, Some(url)) if !url.is_empty() => {
            state.app.fetch_source(&ticket, url, &dir).await?.into()
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "missing_file",
                "no file was sent (use the form field `file`, or `url`)",
            ));
        }
    };
    if let Some(sum) = form
        .field("sha256")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        && !sum.eq_ignore_ascii_case(&incoming.sha256)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "checksum_mismatch",
            "the file does not match the given sha256",
        ));
    }
    let uploaded = state.app.upload(ticket, incoming.input(details)).await?;
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
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<MediaDto>> {
    let files = state.app.get_media(&viewer, &id).await?;
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
        tags: req.tags,
        privacy: req.privacy,
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
    Ok(Json(MediaList::new(&state.base_url(), page)))
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
    Ok(Json(MediaList::new(&state.base_url(), page)))
}
