//! Owns the contents of an album as one viewer may see them: pages in the album's order (either
//! way from a cursor), and where one media item sits in its album (breadcrumb, previous, next)
//! for the viewer page.

use vitrine_db::{Audience, Direction, MediaFiles, MediaOrder, MediaRecord};

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

/// Where a page of an album starts.
#[derive(Debug, Clone, Copy)]
enum Start<'a> {
    First,
    /// After an item the client names (a cursor): it must be one listed to the viewer.
    Cursor(&'a MediaRecord),
    /// Around an item the viewer has opened (the viewer page's neighbours).
    Opened(&'a MediaRecord),
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
        let start = last.as_ref().map_or(Start::First, Start::Cursor);
        let (items, next) = self
            .album_media_page(viewer, id, start, Direction::Forward, limit)
            .await?;
        Ok((self.db.files_for(items).await?, next))
    }

    async fn album_media_page(
        &self,
        viewer: &Viewer,
        id: &str,
        start: Start<'_>,
        dir: Direction,
        limit: u64,
    ) -> Result<(Vec<MediaRecord>, Option<String>), AppError> {
        let (chain, facts) = self.viewable_album(viewer, id).await?;
        let album = chain.first().ok_or(AppError::NotFound("album"))?;
        let editable = allows(&viewer.actor, &[], &facts, Access::Edit);
        let audience = if editable {
            Audience::All
        } else {
            Audience::Visitors
        };
        let last = match start {
            Start::First => None,
            Start::Opened(m) | Start::Cursor(m) if m.album_id != Some(album.id) => {
                // Any other item would reveal where a stranger's title or view count falls in
                // the order.
                return Err(crate::media_listings::invalid_cursor());
            }
            // A cursor the viewer could not have been given (an item not listed to them)
            // answers as an unknown one: it must not confirm that the item is there.
            Start::Cursor(m)
                if !self.listed_in_album(viewer, m, &self.item_facts(&facts, m), audience) =>
            {
                return Err(crate::media_listings::invalid_cursor());
            }
            Start::Cursor(m) | Start::Opened(m) => Some(m),
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
        let mut shown = Vec::new();
        for m in items {
            if self.listed_in_album(viewer, &m, &self.item_facts(&facts, &m), audience) {
                shown.push(m);
            }
        }
        Ok((shown, next))
    }

    /// The album's facts hold for every item in it, except each item's own level, owner and
    /// expiry: judged per item without further queries.
    fn item_facts(&self, album: &Facts, m: &MediaRecord) -> Facts {
        Facts {
            owner_id: m.owner_id,
            expired: self.is_expired(m.expires_at),
            ..album.clone()
        }
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
        let chain = self.db.album_chain(album_id).await?;
        let Some(album) = chain.first() else {
            return Ok(AlbumPlace::default());
        };
        // One shared image of an unlisted album must not lead to the rest of it: only its
        // editors get the way in from here (the rule's `Mention`).
        let facts = self.album_facts(&chain).await?;
        if !self.permits(viewer, &facts, Access::Mention).await? {
            return Ok(AlbumPlace::default());
        }
        let public_id = album.public_id.to_string();
        let view = match self.album_view(viewer, &public_id).await {
            Ok(v) => v,
            Err(AppError::NotFound(_) | AppError::PasswordRequired { .. }) => {
                return Ok(AlbumPlace::default());
            }
            Err(e) => return Err(e),
        };
        let mut breadcrumb = view.breadcrumb.clone();
        breadcrumb.push((public_id.clone(), view.album.title.clone()));
        // Hidden items are skipped, so look a few ahead; a neighbour further away than that
        // is not worth more queries for a link.
        let near = |dir| self.album_media_page(viewer, &public_id, Start::Opened(media), dir, 8);
        let (after, _) = near(Direction::Forward).await?;
        let (before, _) = near(Direction::Backward).await?;
        Ok(AlbumPlace {
            breadcrumb,
            previous: before.first().map(|m| m.public_id.to_string()),
            next: after.first().map(|m| m.public_id.to_string()),
        })
    }
}
