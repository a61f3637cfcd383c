//! Owns the visibility model and the one function that applies it. Every surface that shows,
//! lists, counts, covers, serves or changes media or albums asks [`allows`]; nothing else
//! decides.
//!
//! - Levels, least to most restrictive: *public* (listed and viewable), *unlisted* (viewable
//!   by link, never listed), *password* (viewable after entering the album's password; the
//!   grant is held by the visitor's unlock cookie, one grant per album), *private* (owner and
//!   staff only).
//! - A media item gets the most restrictive of its own level and every album above it; an
//!   album gets the most restrictive level of its chain. Every password album in the chain
//!   must be unlocked.
//! - An album is named outside its own link (as a parent, in a breadcrumb, as a media
//!   item's album) only when the viewer could open it and its level is not unlisted.
//! - Staff (admins and managers) see and change everything. Owners see and change their own
//!   things. Content of banned owners, and expired media, are hidden from everyone but staff.
//! - Guests' uploads (no owner) are unlisted unless the uploader chose otherwise; only staff
//!   change them (or the holder of the delete link).

use vitrine_db::{AlbumRecord, MediaRecord};
use vitrine_domain::{Privacy, Timestamp, UserStatus};

use crate::{Actor, App, AppError};

/// What the actor wants to do with the thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Open it by its link (pages, API reads, oEmbed, file URLs).
    View,
    /// See it in a listing, a count or as a cover.
    List,
    /// Change, move or delete it.
    Edit,
    /// Be named where the viewer did not come in through its own link: an album as a parent,
    /// in a breadcrumb, or as the album of a media item they opened. Like `View`, except that
    /// an unlisted thing is named only to its editors: one shared image of an unlisted album
    /// must not lead to the album, its parents or the rest of it.
    Mention,
}

/// Who is looking: the actor and the album passwords they have entered.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub actor: Actor,
    /// The visitor's unlock cookie (holds their album password grants).
    pub unlock_token: Option<String>,
}

impl Viewer {
    pub fn new(actor: Actor, unlock_token: Option<String>) -> Self {
        Self {
            actor,
            unlock_token,
        }
    }
}

impl From<&Actor> for Viewer {
    fn from(actor: &Actor) -> Self {
        Viewer::new(actor.clone(), None)
    }
}

/// The facts about a thing that decide who may do what with it.
#[derive(Debug, Clone)]
pub struct Facts {
    pub owner_id: Option<i64>,
    pub owner_banned: bool,
    /// The owner's profile is private: their things are kept out of site-wide and profile
    /// listings (still viewable by link as their level allows).
    pub owner_private: bool,
    /// The effective level (own and the whole album chain).
    pub level: Privacy,
    /// Password-protected albums in the chain (each must be unlocked).
    pub password_albums: Vec<i64>,
    pub expired: bool,
}

fn is_staff(actor: &Actor) -> bool {
    match actor {
        Actor::System => true,
        Actor::User(u) => u.role.is_staff(),
        Actor::Anonymous => false,
    }
}

/// The rule. `unlocked` are the albums whose password this viewer has entered.
pub fn allows(actor: &Actor, unlocked: &[i64], f: &Facts, access: Access) -> bool {
    if is_staff(actor) {
        return true;
    }
    let is_owner = actor.user().is_some_and(|u| f.owner_id == Some(u.id));
    if access == Access::Edit {
        return is_owner;
    }
    if f.owner_banned || f.expired {
        return false;
    }
    if is_owner {
        return true;
    }
    if access == Access::List && f.owner_private {
        return false;
    }
    match (access, f.level) {
        (Access::List, Privacy::Public) => true,
        (Access::List, _) => false,
        (Access::Mention, Privacy::Unlisted) => false,
        (_, Privacy::Public | Privacy::Unlisted) => true,
        // An empty list cannot happen for a password level; refuse rather than open.
        (_, Privacy::Password) => {
            !f.password_albums.is_empty() && f.password_albums.iter().all(|a| unlocked.contains(a))
        }
        (_, Privacy::Private) => false,
    }
}

impl App {
    /// The facts of an album from its chain (nearest first, the album itself included).
    pub(crate) async fn album_facts(&self, chain: &[AlbumRecord]) -> Result<Facts, AppError> {
        let Some(album) = chain.first() else {
            return Err(AppError::NotFound("album"));
        };
        Ok(Facts {
            owner_id: Some(album.owner_id),
            owner_banned: self.owner_banned(Some(album.owner_id)).await?,
            // Reached by its link: album contents are not a profile listing.
            owner_private: false,
            level: chain.iter().fold(Privacy::Public, |l, a| l.and(a.privacy)),
            password_albums: chain
                .iter()
                .filter(|a| a.privacy == Privacy::Password)
                .map(|a| a.id)
                .collect(),
            expired: false,
        })
    }

    /// The facts of a media item (loads its album chain when it has one).
    pub(crate) async fn media_facts(&self, m: &MediaRecord) -> Result<Facts, AppError> {
        Ok(self.media_chain_and_facts(m).await?.1)
    }

    /// The album chain of a media item (nearest first; empty outside albums) and its facts.
    pub(crate) async fn media_chain_and_facts(
        &self,
        m: &MediaRecord,
    ) -> Result<(Vec<AlbumRecord>, Facts), AppError> {
        let chain = match m.album_id {
            Some(a) => self.db.album_chain(a).await?,
            None => Vec::new(),
        };
        // An album that vanished under a concurrent delete: fail closed.
        let orphaned = m.album_id.is_some() && chain.is_empty();
        let facts = Facts {
            owner_id: m.owner_id,
            owner_banned: self.owner_banned(m.owner_id).await?,
            owner_private: false,
            level: if orphaned {
                Privacy::Private
            } else {
                chain.iter().fold(m.privacy, |l, a| l.and(a.privacy))
            },
            password_albums: chain
                .iter()
                .filter(|a| a.privacy == Privacy::Password)
                .map(|a| a.id)
                .collect(),
            expired: self.is_expired(m.expires_at),
        };
        Ok((chain, facts))
    }

    /// The level a media item's link recipients meet (its own and its albums').
    pub async fn effective_privacy(
        &self,
        files: &vitrine_db::MediaFiles,
    ) -> Result<Privacy, AppError> {
        Ok(self.media_facts(&files.media).await?.level)
    }

    pub(crate) fn is_expired(&self, at: Option<Timestamp>) -> bool {
        at.is_some_and(|t| t <= self.clock.now())
    }

    async fn owner_banned(&self, owner: Option<i64>) -> Result<bool, AppError> {
        Ok(match owner {
            Some(id) => self
                .db
                .find_user(id)
                .await?
                .is_none_or(|u| u.status == UserStatus::Banned),
            None => false,
        })
    }

    /// The albums among `needed` that the viewer has unlocked.
    pub(crate) async fn unlocked(
        &self,
        viewer: &Viewer,
        needed: &[i64],
    ) -> Result<Vec<i64>, AppError> {
        match (&viewer.unlock_token, needed.is_empty()) {
            (Some(t), false) => Ok(self
                .db
                .unlocked_albums(&crate::tokens::hash_token(t), needed, self.clock.now())
                .await?),
            _ => Ok(Vec::new()),
        }
    }

    /// Applies the rule for `viewer`.
    pub(crate) async fn permits(
        &self,
        viewer: &Viewer,
        facts: &Facts,
        access: Access,
    ) -> Result<bool, AppError> {
        let unlocked = if matches!(access, Access::View | Access::Mention)
            && facts.level == Privacy::Password
        {
            self.unlocked(viewer, &facts.password_albums).await?
        } else {
            Vec::new()
        };
        Ok(allows(&viewer.actor, &unlocked, facts, access))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AuthUser, AuthVia};
    use vitrine_domain::{Role, Username};

    fn user(id: i64, role: Role) -> Actor {
        Actor::User(AuthUser {
            id,
            username: Username::parse("someone").unwrap(),
            role,
            via: AuthVia::Session,
            session_id: None,
        })
    }

    #[test]
    fn the_rule() {
        let facts = |level, password_albums: Vec<i64>| Facts {
            owner_id: Some(1),
            owner_banned: false,
            owner_private: false,
            level,
            password_albums,
            expired: false,
        };
        let owner = user(1, Role::User);
        let other = user(2, Role::User);
        let manager = user(3, Role::Manager);
        let anon = Actor::Anonymous;
        use Access::*;
        use Privacy::*;
        let cases: &[(&Actor, &[i64], Facts, Access, bool)] = &[
            (&anon, &[], facts(Public, vec![]), List, true),
            (&anon, &[], facts(Unlisted, vec![]), List, false),
            (&anon, &[], facts(Unlisted, vec![]), View, true),
            (&anon, &[], facts(Password, vec![7]), View, false),
            (&anon, &[7], facts(Password, vec![7]), View, true),
            (&anon, &[7], facts(Password, vec![7, 8]), View, false),
            (&anon, &[7], facts(Password, vec![7]), List, false),
            (&anon, &[], facts(Private, vec![]), View, false),
            (&anon, &[], facts(Public, vec![]), Mention, true),
            (&anon, &[], facts(Unlisted, vec![]), Mention, false),
            (&other, &[], facts(Unlisted, vec![]), Mention, false),
            (&owner, &[], facts(Unlisted, vec![]), Mention, true),
            (&manager, &[], facts(Unlisted, vec![]), Mention, true),
            (&anon, &[], facts(Password, vec![7]), Mention, false),
            (&anon, &[7], facts(Password, vec![7]), Mention, true),
            (&anon, &[], facts(Private, vec![]), Mention, false),
            (&other, &[], facts(Private, vec![]), View, false),
            (&other, &[], facts(Public, vec![]), Edit, false),
            (&owner, &[], facts(Private, vec![]), List, true),
            (&owner, &[], facts(Password, vec![7]), View, true),
            (&owner, &[], facts(Public, vec![]), Edit, true),
            (&manager, &[], facts(Private, vec![]), Edit, true),
            (&Actor::System, &[], facts(Private, vec![]), View, true),
        ];
        for (i, (actor, unlocked, f, access, want)) in cases.iter().enumerate() {
            assert_eq!(allows(actor, unlocked, f, *access), *want, "case {i}");
        }
        let banned = Facts {
            owner_banned: true,
            ..facts(Public, vec![])
        };
        assert!(!allows(&anon, &[], &banned, View));
        assert!(allows(&manager, &[], &banned, View));
        let expired = Facts {
            expired: true,
            ..facts(Public, vec![])
        };
        assert!(!allows(&owner, &[], &expired, View));
        let guest = Facts {
            owner_id: None,
            ..facts(Unlisted, vec![])
        };
        assert!(!allows(&other, &[], &guest, Edit));
        assert!(allows(&anon, &[], &guest, View));
        let private_profile = Facts {
            owner_private: true,
            ..facts(Public, vec![])
        };
        assert!(!allows(&anon, &[], &private_profile, List));
        assert!(allows(&anon, &[], &private_profile, View));
        assert!(allows(&owner, &[], &private_profile, List));
    }
}
