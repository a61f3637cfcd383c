//! Owns the media pages: the viewer (`/image/{id}`) and the delete link, which shows a
//! confirmation on GET and deletes only on POST (so link previews and prefetching never
//! delete anything).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::json;

use crate::album_choices::album_choices;
use crate::api_types::MediaDto;
use crate::auth::{CurrentActor, CurrentViewer};
use crate::embed_codes::EmbedCodes;
use crate::page;
use crate::request_meta::Meta;
use crate::routes::web_pages::notice_text;
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new().route("/image/{id}", get(viewer_page)).route(
        "/delete/{id}/{token}",
        get(confirm_delete).post(delete_by_link),
    )
}

#[derive(Debug, serde::Deserialize)]
pub struct ViewerQuery {
    notice: Option<String>,
}

pub async fn viewer_page(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Meta(meta): Meta,
    Path(id): Path<String>,
    Query(q): Query<ViewerQuery>,
) -> Result<Response, WebError> {
    // Chevereto-style `/image/{slug}.{id}` links resolve by the part after the last dot.
    let id = id.rsplit('.').next().unwrap_or_default().to_owned();
    let mut files = state.app.get_media(&viewer, &id).await?;
    // A failure to count is not worth failing the page for.
    match state.app.count_view(&viewer, &files, &meta).await {
        Ok(true) => files.media.views += 1,
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "view not counted"),
    }
    let base = state.base_url();
    let links = state.links();
    let dto = MediaDto::new(&links, &files, None);
    let display = dto.files.medium.as_ref().unwrap_or(&dto.files.original);
    let oembed_url = format!(
        "{base}/oembed?format=json&url={}",
        percent_encoding::utf8_percent_encode(&dto.url, percent_encoding::NON_ALPHANUMERIC)
    );
    let og_description: String = dto.description.chars().take(200).collect();
    let place = state.app.album_place(&viewer, &files.media).await?;
    let owner = match files.media.owner_id {
        Some(oid) => state.app.username_of(oid).await?,
        None => None,
    };
    let editable = state
        .app
        .media_editable(&viewer.actor, &files.media)
        .await?;
    let albums = match (editable, files.media.owner_id) {
        (true, Some(oid)) => album_choices(&state, &viewer.actor, oid).await?,
        _ => Vec::new(),
    };
    let is_owner = viewer
        .actor
        .user()
        .is_some_and(|u| Some(u.id) == files.media.owner_id);
    let crumbs: Vec<_> = place
        .breadcrumb
        .iter()
        .map(|(id, title)| json!({ "id": id, "title": title }))
        .collect();
    let ctx = json!({
        "notice": notice_text(q.notice.as_deref()),
        "oembed_url": oembed_url,
        "og_description": og_description,
        "display_url": display.url,
        "display_width": display.width,
        "display_height": display.height,
        "original_url": dto.files.original.url,
        "size_text": page::human_bytes(dto.size),
        "mime": dto.mime,
        "exif": dto.exif,
        "embed": EmbedCodes::new(&links, &files),
        "owner": owner,
        "crumbs": crumbs,
        "previous": place.previous,
        "next": place.next,
        "editable": editable,
        "is_owner": is_owner,
        "albums": albums,
        "media": dto,
    });
    Ok(page::render(&state, &viewer.actor, "image.html", ctx)
        .await?
        .into_response())
}

pub async fn confirm_delete(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path((id, token)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let Some(files) = state.app.delete_token_valid(&id, &token).await? else {
        return Err(WebError::not_found());
    };
    let dto = MediaDto::new(&state.links(), &files, None);
    let thumb = dto.files.thumb.map(|t| t.url).unwrap_or_default();
    let ctx = json!({ "id": id, "token": token, "title": dto.title, "thumb_url": thumb });
    Ok(page::render(&state, &actor, "delete.html", ctx)
        .await?
        .into_response())
}

pub async fn delete_by_link(
    State(state): State<AppState>,
    Meta(meta): Meta,
    Path((id, token)): Path<(String, String)>,
) -> Result<Response, WebError> {
    state
        .app
        .delete_media_with_token(&id, &token, &meta)
        .await?;
    Ok(Redirect::to("/?notice=media_deleted").into_response())
}
