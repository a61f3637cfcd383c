//! Owns the contents of an album as one viewer may see them: pages in the album's order (either
//! way from a cursor), and where one media item sits in its album (breadcrumb, previous, next)
//! for the viewer page.

use vitrine_db::{Audience, Direction, MediaFiles, MediaOrder, MediaRecord};
use vitrine_domain::{Privacy, ValidationError};

use crate::visibility::{Access, Facts, Viewer, allows};
use crate::{App, AppError};

/// Where a media item sits in its album, as the viewer may see it.
#[derive(Debug, Clone, Default)]
pub struct AlbumPlace {
    /// The album chain the viewer may open, root first: (public id, title).
    pub breadcrumb: Vec<(String, String)>,
    /// Public ids of the neighbours in the album's order.
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl App {
    /// The media in an album the viewer may see, in the album's order.
    pub async fn list_album_media(
        &self,
        viewer: &Viewer,
        id: &str,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<MediaFiles>, Option<String>), AppError> {
        let last = self.cursor_media(cursor).await?;
        let (items, next) = self
            .album_media_page(viewer, id, last.as_ref(), Direction::Forward, limit)
            .await?;
        Ok((self.db.files_for(items).await?, next))
    }

    async fn album_media_page(
        &self,
        viewer: &Viewer,
        id: &str,
        last: Option<&MediaRecord>,
        dir: Direction,
        limit: u64,
    ) -> Result<(Vec<MediaRecord>, Option<String>), AppError> {
        let (chain, facts) = self.viewable_album(viewer, id).await?;
        let album = chain.first().ok_or(AppError::NotFound("album"))?;
        // A cursor must be an item of this album: any other would reveal where a stranger's
        // title or view count falls in the order.
        if last.is_some_and(|m| m.album_id != Some(album.id)) {
            return Err(ValidationError::new("cursor", "is not valid").into());
        }
        let editable = allows(&viewer.actor, &[], &facts, Access::Edit);
        let audience = if editable {
            Audience::All
        } else {
            Audience::Visitors
        };
        let order = MediaOrder::parse(&album.sort).unwrap_or(MediaOrder::Newest);
        let items = self
            .db
            .list_album_media(
                album.id,
                audience,
                (order, dir),
                last,
                limit,
                self.clock.now(),
            )
            .await?;
        let next = (items.len() as u64 == limit)
            .then(|| items.last().map(|m| m.public_id.to_string()))
            .flatten();
        // The album's facts hold for every item in it, except each item's own level, owner
        // and expiry: judged per item without further queries.
        let mut shown = Vec::new();
        for m in items {
            let f = Facts {
                owner_id: m.owner_id,
                expired: self.is_expired(m.expires_at),
                ..facts.clone()
            };
            if self.listed_in_album(viewer, &m, &f, audience) {
                shown.push(m);
            }
        }
        Ok((shown, next))
    }

    /// The album breadcrumb and neighbours of a media item the viewer has opened. Empty when
    /// it is in no album or the viewer may not open the album.
    pub async fn album_place(
        &self,
        viewer: &Viewer,
        media: &MediaRecord,
    ) -> Result<AlbumPlace, AppError> {
        let Some(album_id) = media.album_id else {
            return Ok(AlbumPlace::default());
        };
        let Some(album) = self.db.albums_by_ids(&[album_id]).await?.pop() else {
            return Ok(AlbumPlace::default());
        };
        let public_id = album.public_id.to_string();
        let view = match self.album_view(viewer, &public_id).await {
            Ok(v) => v,
            Err(AppError::NotFound(_) | AppError::PasswordRequired { .. }) => {
                return Ok(AlbumPlace::default());
            }
            Err(e) => return Err(e),
        };
        // One shared image of an unlisted album must not lead to the rest of it: only its
        // editors get the way in from here.
        if view.album.effective_privacy == Privacy::Unlisted && !view.editable {
            return Ok(AlbumPlace::default());
        }
        let mut breadcrumb = view.breadcrumb.clone();
        breadcrumb.push((public_id.clone(), view.album.title.clone()));
        // Hidden items are skipped, so look a few ahead; a neighbour further away than that
        // is not worth more queries for a link.
        let near = |dir| self.album_media_page(viewer, &public_id, Some(media), dir, 8);
        let (after, _) = near(Direction::Forward).await?;
        let (before, _) = near(Direction::Backward).await?;
        Ok(AlbumPlace {
            breadcrumb,
            previous: before.first().map(|m| m.public_id.to_string()),
            next: after.first().map(|m| m.public_id.to_string()),
        })
    }
}
