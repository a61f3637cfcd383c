//! Owns album use cases: create, read (with what the viewer may see of it: breadcrumb, counts,
//! cover), edit (title, description, level, password, sort, cover), nest and move without
//! cycles, delete (contents moved up or deleted), unlock with the password, and list sub-albums
//! and contents. Every read goes through the visibility rule.

use vitrine_db::{
    AlbumContents, AlbumFields, AlbumRecord, AlbumScope, Audience, MediaFiles, MediaOrder,
    NewAlbum, NewJob,
};
use vitrine_domain::{Privacy, ValidationError};

use crate::media::GC_JOB;
use crate::tokens::{hash_token, random_token};
use crate::visibility::{Access, Facts, Viewer, allows};
use crate::{Actor, App, AppError, RequestMeta};

const UNLOCK_FAILED: &str = "album_unlock_failed";

/// How long an entered album password is remembered.
pub const UNLOCK_TTL_SECS: i64 = 24 * 3600;

#[derive(Debug, Clone, Default)]
pub struct AlbumInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub privacy: Option<String>,
    /// Required when the level is `password` and the album has none yet.
    pub password: Option<String>,
    pub sort: Option<String>,
    /// Public id of the parent album (create only; use `move_albums` later).
    pub parent: Option<String>,
    /// Public id of the media to show as cover; `Some(None)` clears the choice.
    pub cover: Option<Option<String>>,
}

/// An album as one viewer may see it.
#[derive(Debug, Clone)]
pub struct AlbumView {
    pub album: AlbumRecord,
    pub owner_username: String,
    /// Ancestors the viewer may see, root first (public ids and titles).
    pub breadcrumb: Vec<(String, String)>,
    pub parent_public_id: Option<String>,
    /// Media directly in the album that this viewer would see listed.
    pub media_count: u64,
    /// The cover this viewer may see, if any.
    pub cover: Option<MediaFiles>,
    /// Whether the viewer may change it.
    pub editable: bool,
}

fn check_title(t: &str) -> Result<String, ValidationError> {
    let t = t.trim();
    if t.is_empty() {
        return Err(ValidationError::new("title", "must not be empty"));
    }
    if t.chars().count() > 100 {
        return Err(ValidationError::new(
            "title",
            "must be at most 100 characters",
        ));
    }
    Ok(t.to_owned())
}

fn check_sort(s: &str) -> Result<String, ValidationError> {
    MediaOrder::parse(s.trim())
        .map(|o| o.as_str().to_owned())
        .ok_or_else(|| ValidationError::new("sort", "must be newest, oldest, title or views"))
}

impl App {
    /// An album and its chain if the viewer may see it (`PasswordRequired` when locked).
    pub(crate) async fn viewable_album(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<(Vec<AlbumRecord>, Facts), AppError> {
        let album = self
            .db
            .find_album(id)
            .await?
            .ok_or(AppError::NotFound("album"))?;
        let chain = self.db.album_chain(album.id).await?;
        let facts = self.album_facts(&chain).await?;
        if !self.permits(viewer, &facts, Access::View).await? {
            let err = self.refusal(viewer, &facts).await?;
            return Err(match err {
                AppError::NotFound(_) => AppError::NotFound("album"),
                other => other,
            });
        }
        Ok((chain, facts))
    }

    /// The album media may be put into by `actor` (their own, or any for staff).
    pub(crate) async fn album_for_media(
        &self,
        actor: &Actor,
        id: &str,
    ) -> Result<AlbumRecord, AppError> {
        self.editable_album(actor, id).await
    }

    /// The album if the actor may change it.
    async fn editable_album(&self, actor: &Actor, id: &str) -> Result<AlbumRecord, AppError> {
        let (chain, facts) = self.viewable_album(&Viewer::from(actor), id).await?;
        if !allows(actor, &[], &facts, Access::Edit) {
            return Err(AppError::Forbidden);
        }
        chain.into_iter().next().ok_or(AppError::NotFound("album"))
    }

    async fn password_hash_for(
        &self,
        privacy: Privacy,
        password: Option<&str>,
        current: Option<&str>,
    ) -> Result<Option<String>, AppError> {
        if privacy != Privacy::Password {
            return Ok(None);
        }
        match password.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) if p.chars().count() < 4 || p.len() > 128 => {
                Err(ValidationError::new("password", "must be 4 to 128 characters").into())
            }
            Some(p) => Ok(Some(self.hasher.hash(p).await?)),
            None => match current {
                Some(h) => Ok(Some(h.to_owned())),
                None => Err(ValidationError::new(
                    "password",
                    "is required for a password-protected album",
                )
                .into()),
            },
        }
    }

    pub async fn create_album(
        &self,
        actor: &Actor,
        input: AlbumInput,
        meta: &RequestMeta,
    ) -> Result<AlbumView, AppError> {
        let user = actor.require_user()?;
        let title = check_title(input.title.as_deref().unwrap_or_default())?;
        let privacy = match input.privacy.as_deref() {
            Some(p) => Privacy::parse(p, "privacy")?,
            None => Privacy::Public,
        };
        let sort = check_sort(input.sort.as_deref().unwrap_or("newest"))?;
        let parent = match input.parent.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => {
                let parent = self.editable_album(actor, p).await?;
                if parent.owner_id != user.id {
                    return Err(AppError::Forbidden);
                }
                Some(parent.id)
            }
            None => None,
        };
        let password_hash = self
            .password_hash_for(privacy, input.password.as_deref(), None)
            .await?;
        let description = input.description.unwrap_or_default().trim().to_owned();
        crate::upload::check_texts(None, Some(&description))?;
        let album = self
            .db
            .create_album(NewAlbum {
                public_id: crate::upload::new_public_id()?,
                owner_id: user.id,
                parent_id: parent,
                title,
                description,
                privacy,
                password_hash,
                sort,
                now: self.clock.now(),
            })
            .await?
            .ok_or_else(|| {
                ValidationError::new(
                    "parent",
                    format!(
                        "albums nest at most {} levels deep",
                        vitrine_db::MAX_ALBUM_DEPTH
                    ),
                )
            })?;
        self.audit(
            Some(user.id),
            "album_created",
            Some(album.public_id.as_str()),
            meta,
            None,
        )
        .await;
        self.album_view(&Viewer::from(actor), album.public_id.as_str())
            .await
    }

    /// The album as the viewer may see it.
    pub async fn album_view(&self, viewer: &Viewer, id: &str) -> Result<AlbumView, AppError> {
        let (chain, facts) = self.viewable_album(viewer, id).await?;
        let album = chain.first().cloned().ok_or(AppError::NotFound("album"))?;
        let editable = allows(&viewer.actor, &[], &facts, Access::Edit);
        let audience = if editable {
            Audience::All
        } else {
            Audience::Visitors
        };
        let now = self.clock.now();
        let media_count = self
            .db
            .count_album_media(&[album.id], audience, now)
            .await?
            .first()
            .map_or(0, |(_, n)| (*n).max(0) as u64);
        // Ancestors are named only as far as the viewer may be told of them (never an
        // unlisted one to a visitor: they came in through this album's link, not its).
        let mut breadcrumb = Vec::new();
        for (i, a) in chain.iter().enumerate().skip(1) {
            let f = self.album_facts(&chain[i..]).await?;
            if !self.permits(viewer, &f, Access::Mention).await? {
                break;
            }
            breadcrumb.push((a.public_id.to_string(), a.title.clone()));
        }
        let parent_public_id = breadcrumb.first().map(|(id, _)| id.clone());
        breadcrumb.reverse();
        let cover = self.cover_of(viewer, &album, audience).await?;
        let owner_username = self
            .db
            .find_user(album.owner_id)
            .await?
            .map(|u| u.username.to_string())
            .unwrap_or_default();
        Ok(AlbumView {
            album,
            owner_username,
            breadcrumb,
            parent_public_id,
            media_count,
            cover,
            editable,
        })
    }

    /// The chosen cover when this viewer may see it in the album's listing, else the newest
    /// media they may see there: a private media never becomes a visitor's cover.
    async fn cover_of(
        &self,
        viewer: &Viewer,
        album: &AlbumRecord,
        audience: Audience,
    ) -> Result<Option<MediaFiles>, AppError> {
        let now = self.clock.now();
        let mut candidates = Vec::new();
        if let Some(c) = album.cover_media_id {
            candidates.push(c);
        }
        if let Some((_, newest)) = self
            .db
            .newest_album_media(&[album.id], audience, now)
            .await?
            .first()
        {
            candidates.push(*newest);
        }
        let mut found = self.db.media_by_ids(&candidates).await?;
        found.sort_by_key(|m| candidates.iter().position(|c| *c == m.id));
        for m in found {
            if m.album_id != Some(album.id) {
                continue;
            }
            let facts = self.media_facts(&m).await?;
            if self.listed_in_album(viewer, &m, &facts, audience) {
                return Ok(self.db.files_for(vec![m]).await?.into_iter().next());
            }
        }
        Ok(None)
    }

    /// Whether `m` shows in the listing of an album the viewer has opened: everything for its
    /// editors; for others, media whose own level is public (unlisted and private media are
    /// never listed), not expired, of an owner who is not banned.
    pub(crate) fn listed_in_album(
        &self,
        viewer: &Viewer,
        m: &vitrine_db::MediaRecord,
        facts: &Facts,
        audience: Audience,
    ) -> bool {
        let own = Facts {
            level: m.privacy,
            password_albums: Vec::new(),
            ..facts.clone()
        };
        match audience {
            Audience::All => allows(&viewer.actor, &[], facts, Access::Edit),
            Audience::Visitors => allows(&viewer.actor, &[], &own, Access::List),
        }
    }

    pub async fn update_album(
        &self,
        actor: &Actor,
        id: &str,
        input: AlbumInput,
        meta: &RequestMeta,
    ) -> Result<AlbumView, AppError> {
        let album = self.editable_album(actor, id).await?;
        let title = match input.title.as_deref() {
            Some(t) => check_title(t)?,
            None => album.title.clone(),
        };
        let description = input
            .description
            .map_or_else(|| album.description.clone(), |d| d.trim().to_owned());
        crate::upload::check_texts(None, Some(&description))?;
        let privacy = match input.privacy.as_deref() {
            Some(p) => Privacy::parse(p, "privacy")?,
            None => album.privacy,
        };
        let sort = match input.sort.as_deref() {
            Some(s) => check_sort(s)?,
            None => album.sort.clone(),
        };
        let password_hash = self
            .password_hash_for(
                privacy,
                input.password.as_deref(),
                album.password_hash.as_deref(),
            )
            .await?;
        let cover_media_id = match input.cover {
            None => album.cover_media_id,
            Some(None) => None,
            Some(Some(media)) => {
                let m = self
                    .db
                    .find_media(&media)
                    .await?
                    .filter(|m| m.album_id == Some(album.id))
                    .ok_or_else(|| {
                        ValidationError::new("cover", "must be a media item in this album")
                    })?;
                Some(m.id)
            }
        };
        self.db
            .update_album(
                album.id,
                AlbumFields {
                    title,
                    description,
                    privacy,
                    password_hash,
                    cover_media_id,
                    sort,
                },
                self.clock.now(),
            )
            .await?;
        self.audit(actor.audit_id(), "album_changed", Some(id), meta, None)
            .await;
        self.album_view(&Viewer::from(actor), id).await
    }

    /// Moves albums under `parent` (None: to the top level). All must be the actor's own (or
    /// staff's to move), the parent too; an album cannot go under itself or its descendants.
    pub async fn move_albums(
        &self,
        actor: &Actor,
        ids: &[String],
        parent: Option<&str>,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        if ids.is_empty() || ids.len() > 500 {
            return Err(ValidationError::new("albums", "must list 1 to 500 album ids").into());
        }
        let mut albums = Vec::new();
        for id in ids {
            albums.push(self.editable_album(actor, id).await?);
        }
        let parent = match parent {
            Some(p) => Some(self.editable_album(actor, p).await?),
            None => None,
        };
        if let Some(p) = &parent
            && albums.iter().any(|a| a.owner_id != p.owner_id)
        {
            return Err(ValidationError::new("parent", "must belong to the same owner").into());
        }
        let album_ids: Vec<i64> = albums.iter().map(|a| a.id).collect();
        let moved = self
            .db
            .move_albums(&album_ids, parent.as_ref().map(|p| p.id), self.clock.now())
            .await?;
        if !moved {
            return Err(ValidationError::new(
                "parent",
                format!(
                    "an album cannot go inside itself or one of its own sub-albums, nor deeper \
                     than {} levels",
                    vitrine_db::MAX_ALBUM_DEPTH
                ),
            )
            .into());
        }
        self.audit(
            actor.audit_id(),
            "albums_moved",
            parent.as_ref().map(|p| p.public_id.as_str()),
            meta,
            None,
        )
        .await;
        Ok(())
    }

    /// Deletes an album; its sub-albums and media move up to its parent or are deleted too.
    pub async fn delete_album(
        &self,
        actor: &Actor,
        id: &str,
        contents: AlbumContents,
        meta: &RequestMeta,
    ) -> Result<(), AppError> {
        let album = self.editable_album(actor, id).await?;
        let now = self.clock.now();
        self.db
            .delete_album(album.id, contents, |blob_id| NewJob {
                kind: GC_JOB,
                payload: serde_json::json!({ "blob_id": blob_id }).to_string(),
                run_at: now,
                max_attempts: 10,
            })
            .await?;
        self.audit(actor.audit_id(), "album_deleted", Some(id), meta, None)
            .await;
        Ok(())
    }

    /// Checks the album's password and, when right, grants access to it. Returns a fresh
    /// unlock token that also carries the viewer's earlier grants (a fresh one each time, so a
    /// token planted in someone's browser never receives their grants). Albums without a
    /// password look missing; failures are throttled per album and address, and per address.
    #[tracing::instrument(skip(self, viewer, password, meta))]
    pub async fn unlock_album(
        &self,
        viewer: &Viewer,
        id: &str,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<String, AppError> {
        let album = self.lockable_album(viewer, id).await?;
        let target = format!("album:{id}:{}", meta.ip.as_deref().unwrap_or("-"));
        self.check_throttle(UNLOCK_FAILED, &target, meta).await?;
        let ok = self
            .hasher
            .verify(password, album.password_hash.as_deref())
            .await?;
        if !ok {
            self.audit(None, UNLOCK_FAILED, Some(&target), meta, None)
                .await;
            return Err(AppError::WrongAlbumPassword);
        }
        let token = random_token()?;
        let now = self.clock.now();
        if let Some(old) = &viewer.unlock_token {
            self.db
                .copy_album_unlocks(&hash_token(old), &hash_token(&token), now)
                .await?;
        }
        self.db
            .add_album_unlock(
                &hash_token(&token),
                album.id,
                now.plus_seconds(UNLOCK_TTL_SECS),
            )
            .await?;
        Ok(token)
    }

    /// A password album that the viewer could open with passwords alone: every other level
    /// in its chain lets them in (a password album inside a private one, or of a banned
    /// owner, answers as a missing one: no password can open it, and trying must not tell
    /// that it exists).
    async fn lockable_album(&self, viewer: &Viewer, id: &str) -> Result<AlbumRecord, AppError> {
        let missing = || AppError::NotFound("album");
        let album = self
            .db
            .find_album(id)
            .await?
            .filter(|a| a.privacy == Privacy::Password)
            .ok_or_else(missing)?;
        let chain = self.db.album_chain(album.id).await?;
        let facts = self.album_facts(&chain).await?;
        // As if every password were entered: what is left is the rest of the rule.
        if !allows(&viewer.actor, &facts.password_albums, &facts, Access::View) {
            return Err(missing());
        }
        Ok(album)
    }

    /// Sub-albums the viewer may see, newest first.
    pub async fn list_sub_albums(
        &self,
        viewer: &Viewer,
        id: &str,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<AlbumView>, Option<String>), AppError> {
        let (chain, facts) = self.viewable_album(viewer, id).await?;
        let album = chain.first().ok_or(AppError::NotFound("album"))?;
        let editable = allows(&viewer.actor, &[], &facts, Access::Edit);
        self.album_page(
            viewer,
            AlbumScope::Children {
                parent_id: album.id,
            },
            !editable,
            cursor,
            limit,
        )
        .await
    }

    /// A user's albums (top-level, or all), as the viewer may see them.
    pub async fn list_user_albums(
        &self,
        viewer: &Viewer,
        owner_id: i64,
        top_level_only: bool,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<AlbumView>, Option<String>), AppError> {
        let own = viewer
            .actor
            .user()
            .is_some_and(|u| u.id == owner_id || u.role.is_staff())
            || matches!(viewer.actor, Actor::System);
        let scope = if top_level_only {
            AlbumScope::Roots { owner_id }
        } else {
            AlbumScope::Owner { owner_id }
        };
        self.album_page(viewer, scope, !own, cursor, limit).await
    }

    /// The album a cursor names, if the viewer may see it listed: one they may not answers
    /// as an unknown id, so a cursor cannot confirm that a hidden album exists.
    async fn listed_album_cursor(
        &self,
        viewer: &Viewer,
        cursor: &str,
    ) -> Result<AlbumRecord, AppError> {
        let invalid = crate::media_listings::invalid_cursor;
        let album = self.db.find_album(cursor).await?.ok_or_else(invalid)?;
        let facts = Facts {
            // The stored effective level stands for the whole chain.
            level: album.effective_privacy,
            password_albums: Vec::new(),
            ..self.album_facts(std::slice::from_ref(&album)).await?
        };
        if !allows(&viewer.actor, &[], &facts, Access::List) {
            return Err(invalid());
        }
        Ok(album)
    }

    async fn album_page(
        &self,
        viewer: &Viewer,
        scope: AlbumScope,
        listed_only: bool,
        cursor: Option<&str>,
        limit: u64,
    ) -> Result<(Vec<AlbumView>, Option<String>), AppError> {
        let before = match cursor {
            Some(c) => Some(self.listed_album_cursor(viewer, c).await?.id),
            None => None,
        };
        let page = self
            .db
            .list_albums(scope, listed_only, before, limit)
            .await?;
        let next = (page.len() as u64 == limit)
            .then(|| page.last().map(|a| a.public_id.to_string()))
            .flatten();
        let mut owners: Vec<i64> = page.iter().map(|a| a.owner_id).collect();
        owners.sort_unstable();
        owners.dedup();
        let hidden = self.db.unlisted_owners_among(&owners).await?;
        // Each album passes the rule again (listing needs its whole chain public).
        let shown: Vec<AlbumRecord> = page
            .into_iter()
            .filter(|a| {
                let facts = Facts {
                    owner_id: Some(a.owner_id),
                    owner_banned: hidden
                        .iter()
                        .any(|(id, banned)| *id == a.owner_id && *banned),
                    owner_private: false,
                    level: a.effective_privacy,
                    password_albums: Vec::new(),
                    expired: false,
                };
                allows(&viewer.actor, &[], &facts, Access::List)
            })
            .collect();
        let out = self.album_views(viewer, shown).await?;
        Ok((out, next))
    }

    /// Views of a page of albums the viewer may list, in a fixed number of queries (counts,
    /// covers, owners and parents for the whole page at once). Breadcrumbs are left empty:
    /// listings do not show them.
    async fn album_views(
        &self,
        viewer: &Viewer,
        albums: Vec<AlbumRecord>,
    ) -> Result<Vec<AlbumView>, AppError> {
        if albums.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let editable: Vec<bool> = albums
            .iter()
            .map(|a| {
                let facts = Facts {
                    owner_id: Some(a.owner_id),
                    owner_banned: false,
                    owner_private: false,
                    level: a.effective_privacy,
                    password_albums: Vec::new(),
                    expired: false,
                };
                allows(&viewer.actor, &[], &facts, Access::Edit)
            })
            .collect();
        let ids_for = |want: bool| -> Vec<i64> {
            albums
                .iter()
                .zip(&editable)
                .filter(|(_, e)| **e == want)
                .map(|(a, _)| a.id)
                .collect()
        };
        let (mine, theirs) = (ids_for(true), ids_for(false));
        let mut counts = self.db.count_album_media(&mine, Audience::All, now).await?;
        counts.extend(
            self.db
                .count_album_media(&theirs, Audience::Visitors, now)
                .await?,
        );
        let mut newest = self
            .db
            .newest_album_media(&mine, Audience::All, now)
            .await?;
        newest.extend(
            self.db
                .newest_album_media(&theirs, Audience::Visitors, now)
                .await?,
        );
        let mut candidates: Vec<i64> = albums.iter().filter_map(|a| a.cover_media_id).collect();
        candidates.extend(newest.iter().map(|(_, m)| *m));
        let media = self.db.media_by_ids(&candidates).await?;
        let mut owner_ids: Vec<i64> = media.iter().filter_map(|m| m.owner_id).collect();
        owner_ids.extend(albums.iter().map(|a| a.owner_id));
        owner_ids.sort_unstable();
        owner_ids.dedup();
        let hidden = self.db.unlisted_owners_among(&owner_ids).await?;
        let banned =
            |o: Option<i64>| o.is_some_and(|o| hidden.iter().any(|(id, b)| *id == o && *b));
        let files = self.db.files_for(media.clone()).await?;
        let names = self.db.usernames_of(&owner_ids).await?;
        let parent_ids: Vec<i64> = albums.iter().filter_map(|a| a.parent_id).collect();
        let parents = self.db.albums_by_ids(&parent_ids).await?;
        let mut out = Vec::with_capacity(albums.len());
        for (a, editable) in albums.into_iter().zip(editable) {
            // The chosen cover only when this viewer would see it listed here; else the newest
            // they may see (already filtered for their audience by the query).
            let chosen = a
                .cover_media_id
                .and_then(|c| media.iter().find(|m| m.id == c))
                .filter(|m| {
                    m.album_id == Some(a.id)
                        && (editable
                            || m.privacy == Privacy::Public
                                && !self.is_expired(m.expires_at)
                                && !banned(m.owner_id))
                });
            let cover_id = chosen.map(|m| m.id).or_else(|| {
                newest
                    .iter()
                    .find(|(album, _)| *album == a.id)
                    .map(|(_, m)| *m)
            });
            out.push(AlbumView {
                owner_username: names
                    .iter()
                    .find(|(id, _)| *id == a.owner_id)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_default(),
                breadcrumb: Vec::new(),
                parent_public_id: a.parent_id.and_then(|p| {
                    parents
                        .iter()
                        .find(|x| x.id == p)
                        .map(|x| x.public_id.to_string())
                }),
                media_count: counts
                    .iter()
                    .find(|(album, _)| *album == a.id)
                    .map_or(0, |(_, n)| (*n).max(0) as u64),
                cover: cover_id.and_then(|c| files.iter().find(|f| f.media.id == c).cloned()),
                editable,
                album: a,
            });
        }
        Ok(out)
    }
}
