//! Owns the JSON shapes of albums in the REST API.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vitrine_app::AlbumView;

use crate::api_types::MediaDto;

/// An album as the requester may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumDto {
    /// Public id (used in every URL).
    #[schema(example = "7fKq2LmP0aZ")]
    pub id: String,
    /// The album page.
    pub url: String,
    #[schema(example = "Holidays 2026")]
    pub title: String,
    pub description: String,
    /// Its own level: `public`, `unlisted`, `password` or `private`.
    #[schema(example = "public")]
    pub privacy: String,
    /// The most restrictive level along its chain of parents (what visitors get).
    #[schema(example = "public")]
    pub effective_privacy: String,
    /// Order of its media: `newest`, `oldest`, `title` or `views`.
    pub sort: String,
    pub owner: String,
    /// Public id of the parent album, if any.
    pub parent: Option<String>,
    /// Ancestors the requester may open, root first.
    pub breadcrumb: Vec<Crumb>,
    /// Media directly in it that the requester would see listed.
    pub media_count: u64,
    /// The cover the requester may see (chosen, else the newest visible media).
    pub cover: Option<MediaDto>,
    /// Whether the requester may change it.
    pub editable: bool,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Crumb {
    pub id: String,
    pub title: String,
}

impl AlbumDto {
    pub fn new(links: &crate::media_urls::Links, v: &AlbumView) -> Self {
        let base = links.site.as_str();
        let a = &v.album;
        Self {
            id: a.public_id.to_string(),
            url: format!("{base}/album/{}", a.public_id),
            title: a.title.clone(),
            description: a.description.clone(),
            privacy: a.privacy.as_str().to_owned(),
            effective_privacy: a.effective_privacy.as_str().to_owned(),
            sort: a.sort.clone(),
            owner: v.owner_username.clone(),
            parent: v.parent_public_id.clone(),
            breadcrumb: v
                .breadcrumb
                .iter()
                .map(|(id, title)| Crumb {
                    id: id.clone(),
                    title: title.clone(),
                })
                .collect(),
            media_count: v.media_count,
            cover: v.cover.as_ref().map(|c| MediaDto::new(links, c, None)),
            editable: v.editable,
            created_at: a.created_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlbumList {
    pub items: Vec<AlbumDto>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl AlbumList {
    pub fn new(
        links: &crate::media_urls::Links,
        (items, next_cursor): vitrine_app::Page<AlbumView>,
    ) -> Self {
        Self {
            items: items.iter().map(|v| AlbumDto::new(links, v)).collect(),
            next_cursor,
        }
    }
}

/// Create an album (or, for PATCH, the fields to change).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlbumRequest {
    /// Required on create; at most 100 characters.
    #[schema(example = "Holidays 2026")]
    pub title: Option<String>,
    pub description: Option<String>,
    /// `public` (default), `unlisted`, `password` or `private`.
    #[schema(example = "password")]
    pub privacy: Option<String>,
    /// Required when setting `password` on an album without one; stored as an argon2 hash.
    #[schema(example = "open sesame")]
    pub password: Option<String>,
    /// `newest` (default), `oldest`, `title` or `views`.
    pub sort: Option<String>,
    /// Create only: public id of the parent album (use the move endpoint later).
    pub parent: Option<String>,
    /// PATCH only: public id of a media item in the album to use as cover; null clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub cover: Option<Option<String>>,
}

/// Tells "absent" (None) from "null" (Some(None)).
fn double_option<'de, D>(d: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<String>::deserialize(d).map(Some)
}

impl From<AlbumRequest> for vitrine_app::AlbumInput {
    fn from(r: AlbumRequest) -> Self {
        Self {
            title: r.title,
            description: r.description,
            privacy: r.privacy,
            password: r.password,
            sort: r.sort,
            parent: r.parent,
            cover: r.cover,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnlockRequest {
    pub password: String,
}

/// Move albums under another (or to the top level with `parent: null`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveAlbumsRequest {
    /// Public ids of the albums to move.
    pub albums: Vec<String>,
    /// The new parent's public id; null for the top level.
    pub parent: Option<String>,
}

/// Move media into an album (or out of any with `album: null`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveMediaRequest {
    /// Public ids of the media (at most 500).
    pub media: Vec<String>,
    pub album: Option<String>,
}

/// Change many media at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkEditRequest {
    /// Public ids of the media (at most 500).
    pub media: Vec<String>,
    /// `public`, `unlisted` or `private`.
    pub privacy: Option<String>,
    pub nsfw: Option<bool>,
}

/// Delete many media at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkDeleteRequest {
    /// Public ids of the media (at most 500).
    pub media: Vec<String>,
}
