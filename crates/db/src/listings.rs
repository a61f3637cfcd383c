//! Owns the queries that list media: by owner, in an album, and the site-wide recent listing,
//! each keyset-paginated on an index, plus per-album counts and cover candidates in one query
//! for a whole page of albums. "Visible" here is the listing filter only: the media's own level
//! is public, it has not expired and its owner is not banned; "listed" adds that the album chain
//! is public and the owner's profile is not private. The app's authorization rule remains the judge of every item.

use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use vitrine_domain::{Privacy, Timestamp};

use crate::entity::{media, user};
use crate::{Db, DbError, MediaRecord};

/// Media kinds that hold profile images and the site logo: stored as media, never listed.
pub const PROFILE_KINDS: [&str; 3] = ["avatar", "cover", "logo"];

/// How the contents of an album are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaOrder {
    Newest,
    Oldest,
    Title,
    MostViewed,
}

impl MediaOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaOrder::Newest => "newest",
            MediaOrder::Oldest => "oldest",
            MediaOrder::Title => "title",
            MediaOrder::MostViewed => "views",
        }
    }

    pub fn parse(s: &str) -> Option<MediaOrder> {
        match s {
            "newest" => Some(MediaOrder::Newest),
            "oldest" => Some(MediaOrder::Oldest),
            "title" => Some(MediaOrder::Title),
            "views" | "most_viewed" => Some(MediaOrder::MostViewed),
            _ => None,
        }
    }
}

/// Who a listing is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The owner or staff: everything.
    All,
    /// Anyone else: only media whose own level is public.
    Visitors,
}

/// The media's own level lets anyone see it and it has not expired.
fn own_level_public(q: Select<media::Entity>, now: Timestamp) -> Select<media::Entity> {
    q.filter(media::Column::Privacy.eq(Privacy::Public.as_str()))
        .filter(
            Condition::any()
                .add(media::Column::ExpiresAt.is_null())
                .add(media::Column::ExpiresAt.gt(now.0)),
        )
}

/// The owner is not banned, as a correlated `EXISTS` probe on the users primary key. Not
/// `owner_id IN (SELECT id FROM users ...)`: without statistics (Vitrine runs no ANALYZE on
/// SQLite), once a page asks about 89 albums or more SQLite drives that form from the list of
/// users through `ix_media_owner_id`, reading every media of every owner (issue 17: a profile
/// took 1 s at a million media; measured 72-86 ms against 0.5-0.7 ms for this form at
/// 200,000). Media without an owner are excluded by both.
fn owner_not_banned() -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(user::Entity)
            .and_where(
                Expr::col((user::Entity, user::Column::Id))
                    .equals((media::Entity, media::Column::OwnerId)),
            )
            .and_where(user::Column::Status.ne("banned"))
            .to_owned(),
    )
}

fn visible(q: Select<media::Entity>, now: Timestamp) -> Select<media::Entity> {
    own_level_public(q, now).filter(owner_not_banned())
}

/// Owners whose `users` row matches `cond`.
fn owners_where(cond: SimpleExpr) -> SimpleExpr {
    media::Column::OwnerId.in_subquery(
        Query::select()
            .column(user::Column::Id)
            .from(user::Entity)
            .and_where(cond)
            .to_owned(),
    )
}

/// Keeps the `IN` form of the owner checks that `visible` gave up: for the recent listing,
/// ordered by id with no album list, SQLite does better with it (at 200,000 media without
/// statistics, 10-19 ms against 235-259 ms for `EXISTS`, which it answers by reading every
/// public album through `ix_media_album` and sorting).
fn listed(q: Select<media::Entity>, now: Timestamp) -> Select<media::Entity> {
    own_level_public(q, now)
        .filter(owners_where(user::Column::Status.ne("banned")))
        .filter(owners_where(user::Column::PrivateProfile.eq(false)))
        .filter(
            Condition::any()
                .add(media::Column::AlbumId.is_null())
                .add(media::Column::AlbumId.in_subquery(Db::public_album_ids())),
        )
}

/// Media directly in `album_ids` that `audience` may see: the rows counted and searched for
/// covers for a page of albums. It must reach media through `ix_media_album` only, whatever the
/// number of albums (issue 17); `crate::plans` shows its plan to the test that checks this.
pub(crate) fn in_albums(
    album_ids: &[i64],
    audience: Audience,
    now: Timestamp,
) -> Select<media::Entity> {
    let q = media::Entity::find().filter(media::Column::AlbumId.is_in(album_ids.iter().copied()));
    match audience {
        Audience::All => q,
        Audience::Visitors => visible(q, now),
    }
}

/// `count_album_media`'s statement: `(album id, count)`.
pub(crate) fn album_counts(
    album_ids: &[i64],
    audience: Audience,
    now: Timestamp,
) -> Select<media::Entity> {
    in_albums(album_ids, audience, now)
        .select_only()
        .column(media::Column::AlbumId)
        .column_as(Expr::col(media::Column::Id).count(), "n")
        .group_by(media::Column::AlbumId)
}

/// `newest_album_media`'s statement: `(album id, newest media id)`.
pub(crate) fn album_newest(
    album_ids: &[i64],
    audience: Audience,
    now: Timestamp,
) -> Select<media::Entity> {
    in_albums(album_ids, audience, now)
        .select_only()
        .column(media::Column::AlbumId)
        .column_as(Expr::col(media::Column::Id).max(), "newest")
        .group_by(media::Column::AlbumId)
}

/// Which way a page runs through an order: forward, or backward from a cursor (the items
/// before it, nearest first), which a viewer's "previous" link needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// The sort keys of `order` with `last`'s values, each with whether it ascends going forward.
fn sort_keys(
    order: MediaOrder,
    last: Option<&MediaRecord>,
) -> Vec<(media::Column, sea_orm::Value, bool)> {
    use media::Column as C;
    let id = last.map_or(0, |l| l.id);
    match order {
        MediaOrder::Newest => vec![(C::Id, id.into(), false)],
        MediaOrder::Oldest => vec![(C::Id, id.into(), true)],
        MediaOrder::Title => vec![
            (
                C::Title,
                last.map(|l| l.title.clone()).unwrap_or_default().into(),
                true,
            ),
            (C::Id, id.into(), true),
        ],
        MediaOrder::MostViewed => vec![
            (C::Views, last.map_or(0, |l| l.views as i64).into(), false),
            (C::Id, id.into(), false),
        ],
    }
}

/// Keyset condition: strictly after `last` in `order` going `dir`.
fn after(order: MediaOrder, last: &MediaRecord, dir: Direction) -> Condition {
    let keys = sort_keys(order, Some(last));
    let mut any = Condition::any();
    for (i, (col, value, asc)) in keys.iter().enumerate() {
        let mut all = Condition::all();
        for (c, v, _) in &keys[..i] {
            all = all.add(c.eq(v.clone()));
        }
        let cmp = if *asc == (dir == Direction::Forward) {
            col.gt(value.clone())
        } else {
            col.lt(value.clone())
        };
        any = any.add(all.add(cmp));
    }
    any
}

fn ordered(q: Select<media::Entity>, order: MediaOrder, dir: Direction) -> Select<media::Entity> {
    let mut q = q;
    for (col, _, asc) in sort_keys(order, None) {
        q = if asc == (dir == Direction::Forward) {
            q.order_by_asc(col)
        } else {
            q.order_by_desc(col)
        };
    }
    q
}

async fn page(
    db: &Db,
    q: Select<media::Entity>,
    order: MediaOrder,
    dir: Direction,
    last: Option<&MediaRecord>,
    limit: u64,
) -> Result<Vec<MediaRecord>, DbError> {
    // Avatars, covers and the logo are media rows for storage's sake, never part of a listing.
    let q = q.filter(media::Column::Kind.is_not_in(PROFILE_KINDS));
    let q = match last {
        Some(l) => q.filter(after(order, l, dir)),
        None => q,
    };
    ordered(q, order, dir)
        .limit(limit)
        .all(&db.read)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

impl Db {
    /// An owner's media, newest first: everything for `Audience::All`, the listed ones
    /// otherwise.
    pub async fn list_media_by_owner(
        &self,
        owner_id: i64,
        audience: Audience,
        last: Option<&MediaRecord>,
        limit: u64,
        now: Timestamp,
    ) -> Result<Vec<MediaRecord>, DbError> {
        let q = media::Entity::find().filter(media::Column::OwnerId.eq(owner_id));
        let q = match audience {
            Audience::All => q,
            Audience::Visitors => listed(q, now),
        };
        page(self, q, MediaOrder::Newest, Direction::Forward, last, limit).await
    }

    /// The media directly in an album, in `order`.
    pub async fn list_album_media(
        &self,
        album_id: i64,
        audience: Audience,
        (order, dir): (MediaOrder, Direction),
        last: Option<&MediaRecord>,
        limit: u64,
        now: Timestamp,
    ) -> Result<Vec<MediaRecord>, DbError> {
        let q = media::Entity::find().filter(media::Column::AlbumId.eq(album_id));
        let q = match audience {
            Audience::All => q,
            Audience::Visitors => visible(q, now),
        };
        page(self, q, order, dir, last, limit).await
    }

    /// The site's recent listing: listed media of everyone, newest first.
    pub async fn list_recent_media(
        &self,
        last: Option<&MediaRecord>,
        limit: u64,
        now: Timestamp,
    ) -> Result<Vec<MediaRecord>, DbError> {
        page(
            self,
            listed(media::Entity::find(), now),
            MediaOrder::Newest,
            Direction::Forward,
            last,
            limit,
        )
        .await
    }

    /// `(album id, count)` of media directly in each album, for one audience.
    pub async fn count_album_media(
        &self,
        album_ids: &[i64],
        audience: Audience,
        now: Timestamp,
    ) -> Result<Vec<(i64, i64)>, DbError> {
        if album_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(Option<i64>, i64)> = album_counts(album_ids, audience, now)
            .into_tuple()
            .all(&self.read)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(a, n)| a.map(|a| (a, n)))
            .collect())
    }

    /// `(album id, media id)` of the newest media in each album, for one audience (the cover
    /// when none is chosen or the chosen one may not be shown).
    pub async fn newest_album_media(
        &self,
        album_ids: &[i64],
        audience: Audience,
        now: Timestamp,
    ) -> Result<Vec<(i64, i64)>, DbError> {
        if album_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(Option<i64>, Option<i64>)> = album_newest(album_ids, audience, now)
            .into_tuple()
            .all(&self.read)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(a, m)| Some((a?, m?)))
            .collect())
    }

    /// Media rows by internal id.
    pub async fn media_by_ids(&self, ids: &[i64]) -> Result<Vec<MediaRecord>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        media::Entity::find()
            .filter(media::Column::Id.is_in(ids.iter().copied()))
            .all(&self.read)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    /// Media rows by public id (bulk operations).
    pub async fn media_by_public_ids(&self, ids: &[String]) -> Result<Vec<MediaRecord>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        media::Entity::find()
            .filter(media::Column::PublicId.is_in(ids.iter().cloned()))
            .all(&self.read)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }
}
