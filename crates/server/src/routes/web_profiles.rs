//! Owns the profile page (`/{username}`): avatar, cover, name, bio, website (a `nofollow ugc
//! noopener` link), and the user's albums and media as the visitor may see them.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;
use vitrine_app::AppError;

use crate::album_choices::album_choices;
use crate::api_album_types::AlbumDto;
use crate::api_types::MediaDto;
use crate::auth::CurrentViewer;
use crate::page;
use crate::routes::api_users::profile_dto;
use crate::routes::web_pages::notice_text;
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new().route("/{username}", get(profile_page))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    cursor: Option<String>,
    notice: Option<String>,
}

pub async fn profile_page(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(username): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let user = match state.app.public_profile(&viewer, &username).await {
        Ok(u) => u,
        Err(AppError::NotFound(_)) => return Err(WebError::not_found()),
        Err(e) => return Err(e.into()),
    };
    let open = state.app.profile_open_to(&viewer, &user);
    let profile = profile_dto(&state, &viewer, user.clone()).await?;
    let links = state.links();
    let (albums, media, next_cursor) = if open {
        let (albums, _) = state
            .app
            .list_user_albums(&viewer, user.id, true, None, 100)
            .await?;
        let (items, next) = state
            .app
            .list_user_media(&viewer, user.id, q.cursor.as_deref(), 60)
            .await?;
        (
            albums.iter().map(|v| AlbumDto::new(&links, v)).collect(),
            items
                .iter()
                .map(|f| MediaDto::new(&links, f, None))
                .collect(),
            next,
        )
    } else {
        (Vec::<AlbumDto>::new(), Vec::<MediaDto>::new(), None)
    };
    let own = viewer.actor.user().is_some_and(|u| u.id == user.id);
    let choices = if own {
        album_choices(&state, &viewer.actor, user.id).await?
    } else {
        Vec::new()
    };
    let ctx = json!({
        "notice": notice_text(q.notice.as_deref()),
        "own": own,
        "choices": choices,
        "profile": profile,
        "open": open,
        "albums": albums,
        "media": media,
        "next_cursor": next_cursor,
    });
    Ok(page::render(&state, &viewer.actor, "profile.html", ctx)
        .await?
        .into_response())
}
