//! Owns the administrators' REST endpoints: users (search, role, ban), site settings (and the
//! logo image) and upload settings.

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, patch, put};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use vitrine_app::SiteSettingsPatch;
use vitrine_domain::{Role, UserStatus};

use crate::api_types::{
    ErrorBody, SettingsDto, SettingsPatch, UploadForm, UploadSettingsDto, UserDto, UserList,
    UserPatch,
};
use crate::auth::CurrentActor;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::request_meta::Meta;
use crate::state::AppState;
use crate::upload_body::{self, FormSpec};
use crate::upload_source::{Details, Incoming};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/users", get(list_users))
        .route("/api/v1/admin/users/{username}", patch(update_user))
        .route(
            "/api/v1/admin/settings",
            get(get_settings).patch(update_settings),
        )
        .route(
            "/api/v1/admin/upload-settings",
            get(get_upload_settings).put(put_upload_settings),
        )
        .route(
            "/api/v1/admin/logo",
            put(put_logo)
                .layer(DefaultBodyLimit::disable())
                .delete(delete_logo),
        )
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct UserQuery {
    /// Username or e-mail prefix.
    q: Option<String>,
    /// From `next_cursor` of the previous page.
    cursor: Option<String>,
    /// 1-100, default 50.
    limit: Option<u64>,
}

/// Users by name, keyset-paginated.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", params(UserQuery),
    responses((status = 200, body = UserList), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Query(q): Query<UserQuery>,
) -> ApiResult<Json<UserList>> {
    let limit = q.limit.unwrap_or(50).clamp(1, 100);
    let users = state
        .app
        .list_users(&actor, q.q.as_deref(), q.cursor.as_deref(), limit)
        .await?;
    let next_cursor = (users.len() as u64 == limit)
        .then(|| users.last().map(|u| u.username.to_string()))
        .flatten();
    Ok(Json(UserList {
        items: users.iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Change a user's role and/or ban or reinstate them.
#[utoipa::path(patch, path = "/api/v1/admin/users/{username}", tag = "admin", request_body = UserPatch,
    params(("username" = String, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(username): Path<String>,
    ApiJson(req): ApiJson<UserPatch>,
) -> ApiResult<Json<UserDto>> {
    let mut user = None;
    if let Some(role) = req.role {
        let role: Role = role.parse().map_err(vitrine_app::AppError::from)?;
        user = Some(state.app.set_role(&actor, &username, role).await?);
    }
    if let Some(status) = req.status {
        let status: UserStatus = status.parse().map_err(vitrine_app::AppError::from)?;
        user = Some(state.app.set_status(&actor, &username, status).await?);
    }
    let user = match user {
        Some(u) => u,
        None => state.app.find_user_as_admin(&actor, &username).await?,
    };
    Ok(Json((&user).into()))
}

/// Site settings.
#[utoipa::path(get, path = "/api/v1/admin/settings", tag = "admin",
    responses((status = 200, body = SettingsDto), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn get_settings(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<SettingsDto>> {
    actor.require_admin()?;
    Ok(Json(state.app.site_settings().await?.into()))
}

/// Change site settings (absent fields are kept).
#[utoipa::path(patch, path = "/api/v1/admin/settings", tag = "admin", request_body = SettingsPatch,
    responses((status = 200, body = SettingsDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn update_settings(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<SettingsPatch>,
) -> ApiResult<Json<SettingsDto>> {
    let patch = SiteSettingsPatch {
        name: req.name,
        description: req.description,
        signups_enabled: req.signups_enabled,
        default_theme: req.default_theme,
        accent: req.accent,
    };
    Ok(Json(
        state
            .app
            .update_site_settings(&actor, patch, &meta)
            .await?
            .into(),
    ))
}

/// Upload limits and derivative sizes.
#[utoipa::path(get, path = "/api/v1/admin/upload-settings", tag = "admin",
    responses((status = 200, body = UploadSettingsDto), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn get_upload_settings(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<UploadSettingsDto>> {
    actor.require_admin()?;
    Ok(Json(state.app.upload_settings().await?.into()))
}

/// Replace the upload settings (all fields).
#[utoipa::path(put, path = "/api/v1/admin/upload-settings", tag = "admin", request_body = UploadSettingsDto,
    responses((status = 200, body = UploadSettingsDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn put_upload_settings(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<UploadSettingsDto>,
) -> ApiResult<Json<UploadSettingsDto>> {
    Ok(Json(
        state
            .app
            .update_upload_settings(&actor, req.try_into()?, &meta)
            .await?
            .into(),
    ))
}

/// Receives an image sent as the multipart field `file` (within the admin's upload limit) and
/// makes it the site logo; shared by the API and the admin page.
pub(crate) async fn receive_logo(
    state: &AppState,
    actor: &vitrine_app::Actor,
    meta: &vitrine_app::RequestMeta,
    multipart: Multipart,
) -> ApiResult<vitrine_app::SiteSettings> {
    actor.require_admin()?;
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
        .filter(|f| f.size > 0)
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
        .set_site_logo(actor, ticket, incoming.input(Details::default()), meta)
        .await?)
}

/// Set the site logo (multipart field `file`).
///
/// A 512 px medium size is made. The logo is shown in the header of every page and never
/// appears in media listings.
#[utoipa::path(put, path = "/api/v1/admin/logo", tag = "admin",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 200, body = SettingsDto), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 415, body = ErrorBody, description = "`unsupported_format`, `format_not_allowed`"),
              (status = 422, body = ErrorBody, description = "`missing_file`, `corrupt_image`, ...")),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn put_logo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    multipart: Multipart,
) -> ApiResult<Json<SettingsDto>> {
    let settings = receive_logo(&state, &actor, &meta, multipart).await?;
    Ok(Json(settings.into()))
}

/// Remove the site logo (the built-in mark is shown again).
#[utoipa::path(delete, path = "/api/v1/admin/logo", tag = "admin",
    responses((status = 200, body = SettingsDto), (status = 403, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn delete_logo(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
) -> ApiResult<Json<SettingsDto>> {
    Ok(Json(state.app.clear_site_logo(&actor, &meta).await?.into()))
}
