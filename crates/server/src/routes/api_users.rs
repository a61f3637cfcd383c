//! Owns the public user endpoints: a profile by username and the user's media and albums, as
//! the requester may see them.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api_album_types::AlbumList;
use crate::api_types::{ErrorBody, MediaDto, MediaList};
use crate::auth::CurrentViewer;
use crate::error::ApiResult;
use crate::routes::api_media::ListQuery;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users/{username}", get(get_user))
        .route("/api/v1/users/{username}/media", get(list_user_media))
        .route("/api/v1/users/{username}/albums", get(list_user_albums))
}

/// The public fields of a profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileDto {
    #[schema(example = "alice")]
    pub username: String,
    pub display_name: Option<String>,
    /// The profile page.
    pub url: String,
    /// True when the profile is private: then only the name is shown and its listings are
    /// closed to others.
    pub private: bool,
    pub bio: Option<String>,
    /// An http(s) link; pages render it with `rel="nofollow ugc noopener"`.
    pub website: Option<String>,
    /// Square avatar (256 px).
    pub avatar_url: Option<String>,
    /// Cover image (up to 1600 px wide).
    pub cover_url: Option<String>,
    pub created_at: Option<String>,
}

/// A user's public profile.
#[utoipa::path(get, path = "/api/v1/users/{username}", tag = "users", params(("username" = String, Path)),
    responses((status = 200, body = ProfileDto), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(username): Path<String>,
) -> ApiResult<Json<ProfileDto>> {
    let u = state.app.public_profile(&viewer, &username).await?;
    Ok(Json(profile_dto(&state, &viewer, u).await?))
}

/// The profile as the viewer may see it (only the name of a private profile).
pub async fn profile_dto(
    state: &AppState,
    viewer: &vitrine_app::Viewer,
    u: vitrine_db::UserRecord,
) -> Result<ProfileDto, vitrine_app::AppError> {
    let open = state.app.profile_open_to(viewer, &u);
    let nonempty = |s: String| (open && !s.is_empty()).then_some(s);
    let (avatar, cover) = state.app.profile_images(&u).await?;
    let base = state.base_url();
    let links = state.links();
    let avatar_url = avatar
        .filter(|_| open)
        .map(|f| MediaDto::new(&links, &f, None))
        .and_then(|d| d.files.thumb.map(|t| t.url));
    let cover_url = cover
        .filter(|_| open)
        .map(|f| MediaDto::new(&links, &f, None))
        .map(|d| d.files.medium.map_or(d.files.original.url, |m| m.url));
    Ok(ProfileDto {
        avatar_url,
        cover_url,
        url: format!("{base}/{}", u.username),
        username: u.username.to_string(),
        display_name: u.display_name,
        private: u.private_profile,
        bio: nonempty(u.bio),
        website: nonempty(u.website),
        created_at: open.then(|| u.created_at.to_rfc3339()),
    })
}

/// A user's media, newest first: the listed ones, or all for the user and staff.
#[utoipa::path(get, path = "/api/v1/users/{username}/media", tag = "users", params(("username" = String, Path), ListQuery),
    responses((status = 200, body = MediaList), (status = 403, body = ErrorBody, description = "`profile_private`"), (status = 404, body = ErrorBody)))]
pub async fn list_user_media(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(username): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<MediaList>> {
    let u = state.app.listable_profile(&viewer, &username).await?;
    let page = state
        .app
        .list_user_media(&viewer, u.id, q.cursor.as_deref(), q.limit())
        .await?;
    Ok(Json(MediaList::new(&state.links(), page)))
}

/// A user's top-level albums, newest first: the listed ones, or all for the user and staff.
#[utoipa::path(get, path = "/api/v1/users/{username}/albums", tag = "users", params(("username" = String, Path), ListQuery),
    responses((status = 200, body = AlbumList), (status = 403, body = ErrorBody, description = "`profile_private`"), (status = 404, body = ErrorBody)))]
pub async fn list_user_albums(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(username): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<AlbumList>> {
    let u = state.app.listable_profile(&viewer, &username).await?;
    let page = state
        .app
        .list_user_albums(&viewer, u.id, true, q.cursor.as_deref(), q.limit())
        .await?;
    Ok(Json(AlbumList::new(&state.links(), page)))
}
