//! Owns listing media: the signed-in user's own, a user's public media, and the site's recent
//! listing, keyset-paginated by public id. The database filters to what may be listed; every
//! item then passes the visibility rule again, so a query that forgot a condition still
//! cannot leak.

use vitrine_db::{Audience, MediaFiles, MediaRecord};
use vitrine_domain::ValidationError;

use crate::visibility::{Access, Facts, Viewer, allows};
use crate::{App, AppError};

/// A page and the cursor of the next one.
pub type Page<T> = (Vec<T>, Option<String>);

/// The answer to a cursor that names nothing this listing could have given the client: an
/// unknown id, and an item that exists but is not listed to the viewer, alike.
pub(crate) fn invalid_cursor() -> AppError {
    ValidationError::new("cursor", "is not valid").into()
}

impl App {
    /// The media a cursor (public id of the last item seen) points at. Each listing then
    /// checks that it is one it lists to the viewer (else [`invalid_cursor`]).
    pub(crate) async fn cursor_media(
        &self,
        cursor: Option<&str>,
    ) -> Result<Option<MediaRecord>, AppError> {
        match cursor {
            Some(c) => Ok(Some(
                self.db.find_media(c).await?.ok_or_else(invalid_cursor)?,
            )),
            None => Ok(None),
        }
    }

    /// The cursor's media if the viewer may see it listed (see [`invalid_cursor`]).
    async fn listed_cursor(
        &self,
        viewer: &Viewer,
        cursor: Option<&str>,
    ) -> Result<Option<MediaRecord>, AppError> {
        let Some(m) = self.cursor_media(cursor).await? else {
            return Ok(None);
        };
        let facts = self.media_facts(&m).await?;
        if !allows(&viewer.actor, &[], &facts, Access::List) {
            return Err(invalid_cursor());
        }
        Ok(Some(m))
    }

    /// Keeps the items the viewer may see listed (one query for the page's albums and
    /// owners), and makes the next cursor from the unfiltered page.
    async fn listable(
        &self,
        viewer: &Viewer,
        items: Vec<MediaRecord>,
        limit: u64,
    ) -> Result<Page<MediaFiles>, AppError> {
        let next = (items.len() as u64 == limit)
            .then(|| items.last().map(|m| m.public_id.to_string()))
            .flatten();
        let mut album_ids: Vec<i64> = items.iter().filter_map(|m| m.album_id).collect();
        album_ids.sort_unstable();
        album_ids.dedup();
        let albums = self.db.albums_by_ids(&album_ids).await?;
        let mut owner_ids: Vec<i64> = items.iter().filter_map(|m| m.owner_id).collect();
        owner_ids.sort_unstable();
        owner_ids.dedup();
        let hidden = self.db.unlisted_owners_among(&owner_ids).await?;
        let mut shown = Vec::new();
        for m in items {
            let chain_level = m
                .album_id
                .map(|a| {
                    albums
                        .iter()
                        .find(|x| x.id == a)
                        .map_or(vitrine_domain::Privacy::Private, |x| x.effective_privacy)
                })
                .unwrap_or(vitrine_domain::Privacy::Public);
            let facts = Facts {
                owner_id: m.owner_id,
                owner_banned: m
                    .owner_id
                    .is_some_and(|o| hidden.iter().any(|(id, banned)| *id == o && *banned)),
                owner_private: m
                    .owner_id
                    .is_some_and(|o| hidden.iter().any(|(id, banned)| *id == o && !*banned)),
                level: m.privacy.and(chain_level),
                password_albums: Vec::new(),
                expired: self.is_expired(m.expires_at),
            };
            if allows(&viewer.actor, &[], &facts, Access::List) {
                shown.push(m);
            }
        }
        Ok((self.db.files_for(shown).await?, next))
    }

    /// The signed-in user's media, newest first (everything they own).
    pub async fn list_my_media(
        &self,
        viewer: &Viewer,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<Page<MediaFiles>, AppError> {
        let u = viewer.actor.require_user()?;
        let last = self.cursor_media(cursor).await?;
        if last.as_ref().is_some_and(|m| m.owner_id != Some(u.id)) {
            return Err(invalid_cursor());
        }
        let items = self
            .db
            .list_media_by_owner(u.id, Audience::All, last.as_ref(), limit, self.clock.now())
            .await?;
        self.listable(viewer, items, limit).await
    }

    /// A user's media as the viewer may see it listed: all of it for the user and staff, the
    /// listed ones for everyone else.
    pub async fn list_user_media(
        &self,
        viewer: &Viewer,
        owner_id: i64,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<Page<MediaFiles>, AppError> {
        let own = viewer
            .actor
            .user()
            .is_some_and(|u| u.id == owner_id || u.role.is_staff());
        let audience = if own {
            Audience::All
        } else {
            Audience::Visitors
        };
        let last = self.listed_cursor(viewer, cursor).await?;
        if last.as_ref().is_some_and(|m| m.owner_id != Some(owner_id)) {
            return Err(invalid_cursor());
        }
        let items = self
            .db
            .list_media_by_owner(owner_id, audience, last.as_ref(), limit, self.clock.now())
            .await?;
        self.listable(viewer, items, limit).await
    }

    /// The site's recent public media, newest first.
    pub async fn list_recent_media(
        &self,
        viewer: &Viewer,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<Page<MediaFiles>, AppError> {
        let last = self.listed_cursor(viewer, cursor).await?;
        let items = self
            .db
            .list_recent_media(last.as_ref(), limit, self.clock.now())
            .await?;
        self.listable(viewer, items, limit).await
    }
}
