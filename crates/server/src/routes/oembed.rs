//! Owns oEmbed (`/oembed?url=...&format=json`), the embed-code endpoints and signed file
//! links. oEmbed answers
//! `photo` for viewer and file URLs of this site, sized to fit `maxwidth`/`maxheight`, and
//! goes through the same visibility rule as everything else, with the API's answers: 404 alike
//! for what does not exist and what the requester may not see, 403
//! `album_password_required` (naming the outermost locked album) behind an album password.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vitrine_app::FileRequest;

use crate::api_types::ErrorBody;
use crate::auth::CurrentViewer;
use crate::embed_codes::EmbedCodes;
use crate::error::{ApiError, ApiResult};
use crate::media_urls;
use crate::routes::api_media::ListQuery;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oembed", get(oembed))
        .route("/api/v1/oembed", get(oembed))
        .route("/api/v1/media/{id}/embed", get(media_embed))
        .route("/api/v1/albums/{id}/embed", get(album_embed))
        .route("/api/v1/media/{id}/signed-urls", get(signed_urls))
        .route("/api/v1/media/{id}/share", get(media_share))
        .route("/api/v1/albums/{id}/share", get(album_share))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OembedQuery {
    /// A viewer (`/image/{id}`) or file (`/i/{id}.jpg`) URL of this site (or of its files
    /// origin).
    url: String,
    /// `json` (the only format served; `xml` answers 501).
    format: Option<String>,
    maxwidth: Option<u32>,
    maxheight: Option<u32>,
}

/// An oEmbed 1.0 `photo` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Oembed {
    pub version: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub provider_name: String,
    pub provider_url: String,
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub thumbnail_url: Option<String>,
    pub thumbnail_width: Option<u32>,
    pub thumbnail_height: Option<u32>,
}

/// The media id in a viewer URL of this site, or a file URL of the site or its files origin.
fn media_id(links: &media_urls::Links, url: &str) -> Option<String> {
    let url = url.trim();
    let in_site = url.strip_prefix(links.site.as_str());
    if let Some(v) = in_site
        .and_then(|r| r.split(['?', '#']).next())
        .and_then(|r| r.strip_prefix("/image/"))
    {
        return v.rsplit('.').next().map(str::to_owned);
    }
    let rest = in_site.or_else(|| url.strip_prefix(links.files.as_str()))?;
    let name = rest.split(['?', '#']).next()?.strip_prefix("/i/")?;
    FileRequest::parse(name).map(|r| r.id)
}

/// Scales `w` x `h` down to fit the bounds (never up).
fn fit(w: u32, h: u32, max_w: Option<u32>, max_h: Option<u32>) -> (u32, u32) {
    let sx = max_w.map_or(1.0, |m| f64::from(m) / f64::from(w.max(1)));
    let sy = max_h.map_or(1.0, |m| f64::from(m) / f64::from(h.max(1)));
    let s = sx.min(sy).min(1.0);
    (
        ((f64::from(w) * s).round() as u32).max(1),
        ((f64::from(h) * s).round() as u32).max(1),
    )
}

/// oEmbed for a media URL of this site.
#[utoipa::path(get, path = "/oembed", tag = "sharing", params(OembedQuery),
    responses((status = 200, body = Oembed), (status = 403, body = ErrorBody, description = "`album_password_required`"),
              (status = 404, body = ErrorBody, description = "No such media, or one the requester may not see"), (status = 501, body = ErrorBody, description = "Only JSON is served")))]
pub async fn oembed(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Query(q): Query<OembedQuery>,
) -> ApiResult<Json<Oembed>> {
    if q.format.as_deref().is_some_and(|f| f != "json") {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            "format_not_supported",
            "only format=json is served",
        ));
    }
    let links = state.links();
    let base = links.site.clone();
    let id = media_id(&links, &q.url).ok_or_else(ApiError::not_found)?;
    // Exactly as the API answers: what the viewer may not see is a missing item.
    let files = state.app.get_media(&viewer, &id).await?;
    let m = &files.media;
    // The largest stored size that fits, reported at the size it is to be shown.
    let mut candidates: Vec<(String, u32, u32)> = files
        .variants
        .iter()
        // The thumbnail is a square crop, not the picture.
        .filter(|v| v.name != "thumb")
        .map(|v| (media_urls::variant(&links, &files, v), v.width, v.height))
        .collect();
    candidates.push((media_urls::original(&links, &files), m.width, m.height));
    candidates.sort_by_key(|(_, w, h)| u64::from(*w) * u64::from(*h));
    let fits =
        |w: u32, h: u32| q.maxwidth.is_none_or(|m| w <= m) && q.maxheight.is_none_or(|m| h <= m);
    let (url, w, h) = candidates
        .iter()
        .rev()
        .find(|(_, w, h)| fits(*w, *h))
        .or_else(|| candidates.first())
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let (width, height) = fit(w, h, q.maxwidth, q.maxheight);
    let thumb = files.variants.iter().find(|v| v.name == "thumb");
    let site = state.app.site_settings().await?;
    let author = match m.owner_id {
        Some(o) => state.app.username_of(o).await?,
        None => None,
    };
    Ok(Json(Oembed {
        version: "1.0",
        kind: "photo",
        title: m.title.clone(),
        author_url: author.as_ref().map(|a| format!("{base}/{a}")),
        author_name: author,
        provider_name: site.name,
        provider_url: base.clone(),
        url,
        width,
        height,
        thumbnail_url: thumb.map(|t| media_urls::variant(&links, &files, t)),
        thumbnail_width: thumb.map(|t| t.width),
        thumbnail_height: thumb.map(|t| t.height),
    }))
}

/// Embed codes of a media item (direct, viewer, HTML, Markdown, BBCode; each size).
#[utoipa::path(get, path = "/api/v1/media/{id}/embed", tag = "sharing", params(("id" = String, Path)),
    responses((status = 200, body = EmbedCodes), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn media_embed(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<EmbedCodes>> {
    let files = state.app.get_media(&viewer, &id).await?;
    Ok(Json(EmbedCodes::new(&state.links(), &files)))
}

/// Embed codes for the media of an album that the requester may see (one page).
#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumEmbed {
    pub items: Vec<EmbedCodes>,
    pub next_cursor: Option<String>,
}

/// Embed codes for every media item of an album the requester may see (keyset pages).
#[utoipa::path(get, path = "/api/v1/albums/{id}/embed", tag = "sharing", params(("id" = String, Path), ListQuery),
    responses((status = 200, body = AlbumEmbed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn album_embed(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<AlbumEmbed>> {
    let (items, next_cursor) = state
        .app
        .list_album_media(&viewer, &id, q.cursor.as_deref(), q.limit())
        .await?;
    let links = state.links();
    Ok(Json(AlbumEmbed {
        items: items.iter().map(|f| EmbedCodes::new(&links, f)).collect(),
        next_cursor,
    }))
}

/// What to hand to someone: the page link, and what it shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLink {
    /// The page to share (viewer or album page).
    pub url: String,
    pub title: String,
    /// The level the link's recipients meet: `public`/`unlisted` open for anyone, `password`
    /// asks for the album password, `private` opens only for its owner and staff.
    pub privacy: String,
    /// The direct file (media only).
    pub direct: Option<String>,
}

/// The share link of a media item (for a private item, signed file links are at
/// `/signed-urls`).
#[utoipa::path(get, path = "/api/v1/media/{id}/share", tag = "sharing", params(("id" = String, Path)),
    responses((status = 200, body = ShareLink), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn media_share(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<ShareLink>> {
    let files = state.app.get_media(&viewer, &id).await?;
    let links = state.links();
    let base = links.site.as_str();
    Ok(Json(ShareLink {
        url: media_urls::viewer(base, files.media.public_id.as_str()),
        title: files.media.title.clone(),
        privacy: state
            .app
            .effective_privacy(&files)
            .await?
            .as_str()
            .to_owned(),
        direct: Some(media_urls::original(&links, &files)),
    }))
}

/// The share link of an album.
#[utoipa::path(get, path = "/api/v1/albums/{id}/share", tag = "sharing", params(("id" = String, Path)),
    responses((status = 200, body = ShareLink), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn album_share(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<ShareLink>> {
    let view = state.app.album_view(&viewer, &id).await?;
    Ok(Json(ShareLink {
        url: format!("{}/album/{}", state.base_url(), view.album.public_id),
        title: view.album.title.clone(),
        privacy: view.album.effective_privacy.as_str().to_owned(),
        direct: None,
    }))
}

/// Short-lived links to a media item's files that work without a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedUrls {
    pub original: String,
    pub medium: Option<String>,
    pub thumb: Option<String>,
    /// RFC 3339; the links stop working then (one hour).
    pub expires_at: String,
}

/// Signed links to the files of a media item the requester may see (for private and
/// password-protected media, whose plain file URLs need the requester's session).
#[utoipa::path(get, path = "/api/v1/media/{id}/signed-urls", tag = "sharing", params(("id" = String, Path)),
    responses((status = 200, body = SignedUrls), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn signed_urls(
    State(state): State<AppState>,
    CurrentViewer(viewer): CurrentViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<SignedUrls>> {
    let files = state.app.get_media(&viewer, &id).await?;
    // A signature needs no session, so signed links go to the files origin when there is one.
    let links = state.links();
    let links = media_urls::Links::site_only(&links.files);
    let mut urls = vec![media_urls::original(&links, &files)];
    for name in ["medium", "small", "thumb"] {
        if let Some(v) = files.variants.iter().find(|v| v.name == name) {
            urls.push(media_urls::variant(&links, &files, v));
        }
    }
    let names: Vec<String> = urls
        .iter()
        .filter_map(|u| u.rsplit('/').next().map(str::to_owned))
        .collect();
    let signed = state.app.sign_files(&viewer, &id, &names).await?;
    let link = |needle: &str| {
        urls.iter()
            .zip(&signed)
            .find(|(u, _)| u.contains(needle))
            .map(|(u, (_, s))| format!("{u}?exp={}&sig={}", s.expires.0, s.sig))
    };
    let expires = signed
        .first()
        .map(|(_, s)| s.expires.to_rfc3339())
        .unwrap_or_default();
    Ok(Json(SignedUrls {
        original: link(&format!("/{}", names.first().cloned().unwrap_or_default()))
            .unwrap_or_default(),
        medium: link(".md."),
        thumb: link(".th."),
        expires_at: expires,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_sizes() {
        let b = &media_urls::Links::site_only("https://img.example");
        assert_eq!(
            media_id(b, "https://img.example/image/abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            media_id(b, "https://img.example/image/my-trip.abc?x=1").as_deref(),
            Some("abc")
        );
        assert_eq!(
            media_id(b, "https://img.example/i/abc.md.jpg").as_deref(),
            Some("abc")
        );
        assert_eq!(media_id(b, "https://evil.example/image/abc"), None);
        let split = media_urls::Links {
            site: "https://img.example".into(),
            files: "https://files.example".into(),
        };
        assert_eq!(
            media_id(&split, "https://files.example/i/abc.th.jpg?exp=1&sig=2").as_deref(),
            Some("abc")
        );
        // Pages live on the site only.
        assert_eq!(media_id(&split, "https://files.example/image/abc"), None);
        assert_eq!(fit(2000, 1000, Some(500), None), (500, 250));
        assert_eq!(fit(2000, 1000, Some(500), Some(100)), (200, 100));
        assert_eq!(fit(200, 100, Some(500), None), (200, 100));
    }
}
