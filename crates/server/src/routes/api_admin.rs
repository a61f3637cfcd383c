//! Owns the administrators' REST endpoints: users (search, role, ban) and site settings.

use axum::extract::{Path, Query, State};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use vitrine_app::SiteSettingsPatch;
use vitrine_domain::{Role, UserStatus};

use crate::api_types::{
    ErrorBody, SettingsDto, SettingsPatch, UploadSettingsDto, UserDto, UserList, UserPatch,
};
use crate::auth::CurrentActor;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::request_meta::Meta;
use crate::state::AppState;

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
            .update_upload_settings(&actor, req.into(), &meta)
            .await?
            .into(),
    ))
}
