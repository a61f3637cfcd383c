//! Owns the media pages: the viewer (`/image/{id}`) and the delete link, which shows a
//! confirmation on GET and deletes only on POST (so link previews and prefetching never
//! delete anything).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::json;

use crate::api_types::MediaDto;
use crate::auth::{CurrentActor, CurrentViewer};
use crate::page;
use crate::request_meta::Meta;
use crate::state::AppState;
use crate::web_error::WebError;

pub fn router() -> Router<AppState> {
    Router::new().route("/image/{id}", get(viewer_page)).route(
        "/delete/{id}/{token}",
        get(confirm_delete).post(delete_by_link),
    )
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

pub async fn viewer_page(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Meta(meta): Meta,
    Path(id): Path<String>,
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
    let actor = viewer.actor;
    let dto = MediaDto::new(&state.base_url(), &files, None);
    let display = dto.files.medium.as_ref().unwrap_or(&dto.files.original);
    let oembed_url = format!(
        "{}/oembed?format=json&url={}",
        state.base_url(),
        percent_encoding::utf8_percent_encode(&dto.url, percent_encoding::NON_ALPHANUMERIC)
    );
    let og_description: String = dto.description.chars().take(200).collect();
    let ctx = json!({
        "oembed_url": oembed_url,
        "og_description": og_description,
        "media": dto,
        "display_url": display.url,
        "display_width": display.width,
        "display_height": display.height,
        "original_url": dto.files.original.url,
        "size_text": human_size(dto.size),
        "mime": dto.mime,
        "exif": dto.exif,
    });
    Ok(page::render(&state, &actor, "image.html", ctx)
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
    let dto = MediaDto::new(&state.base_url(), &files, None);
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
