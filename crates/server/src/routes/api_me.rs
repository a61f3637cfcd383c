//! Owns the signed-in user's REST endpoints: profile, password, API keys and the ShareX file.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use crate::api_types::{
    ApiKeyList, CreateApiKeyRequest, CreatedApiKeyDto, ErrorBody, PasswordChangeRequest,
    ProfilePatch, UserDto,
};
use crate::auth::{CurrentActor, presented_api_key};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::request_meta::Meta;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(get_me).patch(update_me))
        .route("/api/v1/me/password", post(change_password))
        .route(
            "/api/v1/me/api-keys",
            get(list_api_keys).post(create_api_key),
        )
        .route("/api/v1/me/api-keys/{id}", delete(revoke_api_key))
        .route("/api/v1/me/sharex", get(get_sharex_config))
}

/// The authenticated user (session cookie or API key).
#[utoipa::path(get, path = "/api/v1/me", tag = "me",
    responses((status = 200, body = UserDto), (status = 401, body = ErrorBody, description = "`unauthenticated` or `invalid_api_key`")),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn get_me(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<UserDto>> {
    Ok(Json((&state.app.me(&actor).await?).into()))
}

/// Update the profile.
#[utoipa::path(patch, path = "/api/v1/me", tag = "me", request_body = ProfilePatch,
    responses((status = 200, body = UserDto), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn update_me(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    ApiJson(req): ApiJson<ProfilePatch>,
) -> ApiResult<Json<UserDto>> {
    if let Some(name) = req.display_name {
        state.app.update_display_name(&actor, &name).await?;
    }
    if let Some(keep) = req.keep_exif {
        state.app.set_keep_exif(&actor, keep).await?;
    }
    if req.bio.is_some() || req.website.is_some() || req.private_profile.is_some() {
        let patch = vitrine_app::ProfilePatch {
            bio: req.bio,
            website: req.website,
            private_profile: req.private_profile,
        };
        state.app.update_profile(&actor, patch).await?;
    }
    Ok(Json((&state.app.me(&actor).await?).into()))
}

/// Change the password; every other session of the account ends.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "me", request_body = PasswordChangeRequest,
    responses((status = 204, description = "Changed"), (status = 403, body = ErrorBody, description = "`wrong_current_password`"),
              (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn change_password(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<PasswordChangeRequest>,
) -> ApiResult<StatusCode> {
    state
        .app
        .change_password(
            &actor,
            &req.current_password,
            &req.new_password,
            None,
            &meta,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The user's live API keys (secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/me/api-keys", tag = "api-keys",
    responses((status = 200, body = ApiKeyList)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> ApiResult<Json<ApiKeyList>> {
    let items = state
        .app
        .list_api_keys(&actor)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Json(ApiKeyList { items }))
}

/// Create a key. The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/me/api-keys", tag = "api-keys", request_body = CreateApiKeyRequest,
    responses((status = 201, body = CreatedApiKeyDto), (status = 422, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn create_api_key(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    ApiJson(req): ApiJson<CreateApiKeyRequest>,
) -> ApiResult<(StatusCode, Json<CreatedApiKeyDto>)> {
    let created = state
        .app
        .create_api_key(&actor, None, &req.name, &meta)
        .await?;
    let site = state.app.site_settings().await?;
    let dto = CreatedApiKeyDto::new(created, &site.name, &state.base_url());
    Ok((StatusCode::CREATED, Json(dto)))
}

/// The ShareX custom-uploader file (`.sxcu`) for the API key this request is made with:
/// `curl -H "X-API-Key: $KEY" $SITE/api/v1/me/sharex -o vitrine.sxcu`.
#[utoipa::path(get, path = "/api/v1/me/sharex", tag = "api-keys",
    responses((status = 200, description = "The `.sxcu` file (JSON, as an attachment)", content_type = "application/json"),
              (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "`api_key_required`: signed in by session, so there is no key to put in the file")),
    security(("api_key" = []), ("bearer" = [])))]
pub async fn get_sharex_config(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    headers: HeaderMap,
) -> ApiResult<Response> {
    actor.require_user()?;
    let Some(key) = presented_api_key(&headers) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "api_key_required",
            "make this request with the API key (X-API-Key) that the file should contain",
        ));
    };
    state.app.check_own_api_key(&actor, key).await?;
    let site = state.app.site_settings().await?;
    Ok(crate::sharex::download(&site.name, &state.base_url(), key))
}

/// Revoke a key; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/me/api-keys/{id}", tag = "api-keys",
    params(("id" = i64, Path, description = "Key id")),
    responses((status = 204, description = "Revoked"), (status = 404, body = ErrorBody)),
    security(("api_key" = []), ("bearer" = []), ("session" = [])))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Meta(meta): Meta,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    state.app.revoke_api_key(&actor, id, &meta).await?;
    Ok(StatusCode::NO_CONTENT)
}
