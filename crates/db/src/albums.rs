//! Owns `albums` and `album_unlocks`: nesting (chains and subtrees by recursive queries that
//! run unchanged on every backend), the effective privacy of each album (the most restrictive
//! level along its chain, recomputed for a whole subtree in the transaction that changes a
//! level or a parent, so listings can filter on one column), moves, deletion with or without
//! contents, and password grants.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction,
    DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    TransactionTrait,
};
use vitrine_domain::{Privacy, PublicId, Timestamp};

use crate::entity::{album, album_unlock, media, user};
use crate::jobs::enqueue_on;
use crate::{Backend, Db, DbError, NewJob};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumRecord {
    pub id: i64,
    pub public_id: PublicId,
    pub owner_id: i64,
    pub parent_id: Option<i64>,
    pub title: String,
    pub description: String,
    /// The album's own level.
    pub privacy: Privacy,
    /// The most restrictive level along the chain up to the root.
    pub effective_privacy: Privacy,
    pub password_hash: Option<String>,
    pub cover_media_id: Option<i64>,
    pub sort: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl TryFrom<album::Model> for AlbumRecord {
    type Error = DbError;
    fn try_from(m: album::Model) -> Result<Self, DbError> {
        Ok(Self {
            id: m.id,
            public_id: PublicId::parse(&m.public_id)?,
            owner_id: m.owner_id,
            parent_id: m.parent_id,
            title: m.title,
            description: m.description,
            privacy: Privacy::from_stored(&m.privacy),
            effective_privacy: Privacy::from_stored(&m.effective_privacy),
            password_hash: m.password_hash,
            cover_media_id: m.cover_media_id,
            sort: m.sort,
            created_at: Timestamp(m.created_at),
            updated_at: Timestamp(m.updated_at),
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewAlbum {
    pub public_id: PublicId,
    pub owner_id: i64,
    pub parent_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub privacy: Privacy,
    pub password_hash: Option<String>,
    pub sort: String,
    pub now: Timestamp,
}

/// The editable fields, all at once (the app merges a patch into the current values).
#[derive(Debug, Clone)]
pub struct AlbumFields {
    pub title: String,
    pub description: String,
    pub privacy: Privacy,
    pub password_hash: Option<String>,
    pub cover_media_id: Option<i64>,
    pub sort: String,
}

/// What happens to an album's contents when it is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbumContents {
    /// Sub-albums and media move to the deleted album's parent (or to no album).
    MoveUp,
    /// Everything below goes too; files are collected once unused.
    Delete,
}

/// Which albums to list.
#[derive(Debug, Clone, Copy)]
pub enum AlbumScope {
    /// Top-level albums of an owner.
    Roots { owner_id: i64 },
    /// Sub-albums of an album.
    Children { parent_id: i64 },
    /// Every album of an owner.
    Owner { owner_id: i64 },
}

fn ids_sql(backend: Backend, down: bool) -> (DbBackend, String) {
    let (b, p) = (backend.dialect(), backend.param1());
    // Depth-capped so corrupt data (a cycle) cannot loop forever.
    let join = if down {
        "a.parent_id = t.id"
    } else {
        "a.id = t.parent_id"
    };
    let sql = format!(
        "WITH RECURSIVE t(id, parent_id, depth) AS (\
           SELECT id, parent_id, 0 FROM albums WHERE id = {p} \
           UNION ALL \
           SELECT a.id, a.parent_id, t.depth + 1 FROM albums a JOIN t ON {join} \
           WHERE t.depth < 10000) \
         SELECT id FROM t ORDER BY depth"
    );
    (b, sql)
}

async fn tree_ids(
    conn: &impl ConnectionTrait,
    backend: Backend,
    id: i64,
    down: bool,
) -> Result<Vec<i64>, DbError> {
    let (b, sql) = ids_sql(backend, down);
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(b, sql, [id.into()]))
        .await?;
    rows.iter()
        .map(|r| r.try_get::<i64>("", "id").map_err(DbError::from))
        .collect()
}

async fn albums_in(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<Vec<AlbumRecord>, DbError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    album::Entity::find()
        .filter(album::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Serialises album-tree changes of one owner on PostgreSQL (a row lock on the owner), so
/// concurrent moves cannot race a cycle in nor leave a stale effective level. SQLite has a
/// single writer already (and sea-query leaves the lock out there).
async fn lock_owner(txn: &DatabaseTransaction, owner_id: i64) -> Result<(), DbError> {
    user::Entity::find_by_id(owner_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    Ok(())
}

/// The deepest level below `id` (0 for a leaf). The cast: PostgreSQL types the literal depth
/// as INT4, which does not decode as i64 (see `Backend::bigint`).
async fn subtree_height(
    conn: &impl ConnectionTrait,
    backend: Backend,
    id: i64,
) -> Result<i64, DbError> {
    let (b, p, int) = (backend.dialect(), backend.param1(), backend.bigint());
    let sql = format!(
        "WITH RECURSIVE t(id, depth) AS (\
           SELECT id, 0 FROM albums WHERE id = {p} \
           UNION ALL \
           SELECT a.id, t.depth + 1 FROM albums a JOIN t ON a.parent_id = t.id \
           WHERE t.depth < 10000) \
         SELECT CAST(MAX(depth) AS {int}) AS h FROM t"
    );
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(b, sql, [id.into()]))
        .await?;
    Ok(row
        .map(|r| r.try_get::<Option<i64>>("", "h"))
        .transpose()?
        .flatten()
        .unwrap_or(0))
}

/// Albums nest at most this deep (a root album is level 1).
pub const MAX_DEPTH: usize = 32;

/// Recomputes the effective level of `root` and everything below it.
async fn recompute_effective(
    txn: &DatabaseTransaction,
    backend: Backend,
    root: i64,
) -> Result<(), DbError> {
    let ids = tree_ids(txn, backend, root, true).await?;
    let albums = albums_in(txn, &ids).await?;
    let by_id: HashMap<i64, &AlbumRecord> = albums.iter().map(|a| (a.id, a)).collect();
    let Some(top) = by_id.get(&root) else {
        return Ok(());
    };
    let above = match top.parent_id {
        Some(p) => album::Entity::find_by_id(p)
            .one(txn)
            .await?
            .map_or(Privacy::Private, |a| {
                Privacy::from_stored(&a.effective_privacy)
            }),
        None => Privacy::Public,
    };
    // `ids` is in breadth-first order, so every parent is computed before its children.
    let mut effective: HashMap<i64, Privacy> = HashMap::new();
    for id in &ids {
        let Some(a) = by_id.get(id) else { continue };
        let parent_level = match a.parent_id {
            Some(p) if *id != root => effective.get(&p).copied().unwrap_or(Privacy::Private),
            _ => above,
        };
        let level = a.privacy.and(parent_level);
        effective.insert(*id, level);
        if level != a.effective_privacy {
            album::Entity::update_many()
                .col_expr(album::Column::EffectivePrivacy, Expr::value(level.as_str()))
                .filter(album::Column::Id.eq(*id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

impl Db {
    /// Creates an album; `Ok(None)` when its parent is already at the deepest level.
    pub async fn create_album(&self, a: NewAlbum) -> Result<Option<AlbumRecord>, DbError> {
        let txn = self.write.begin().await?;
        lock_owner(&txn, a.owner_id).await?;
        if let Some(p) = a.parent_id
            && tree_ids(&txn, self.backend(), p, false).await?.len() >= MAX_DEPTH
        {
            return Ok(None);
        }
        let parent_level = match a.parent_id {
            Some(p) => album::Entity::find_by_id(p)
                .one(&txn)
                .await?
                .map(|p| Privacy::from_stored(&p.effective_privacy))
                .ok_or(DbError::Corrupt("the parent album is gone".into()))?,
            None => Privacy::Public,
        };
        let m = album::ActiveModel {
            public_id: Set(a.public_id.to_string()),
            owner_id: Set(a.owner_id),
            parent_id: Set(a.parent_id),
            title: Set(a.title),
            description: Set(a.description),
            privacy: Set(a.privacy.as_str().to_owned()),
            effective_privacy: Set(a.privacy.and(parent_level).as_str().to_owned()),
            password_hash: Set(a.password_hash),
            cover_media_id: Set(None),
            sort: Set(a.sort),
            created_at: Set(a.now.0),
            updated_at: Set(a.now.0),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        m.try_into().map(Some)
    }

    pub async fn find_album(&self, public_id: &str) -> Result<Option<AlbumRecord>, DbError> {
        album::Entity::find()
            .filter(album::Column::PublicId.eq(public_id))
            .one(&self.read)
            .await?
            .map(TryInto::try_into)
            .transpose()
    }

    pub async fn albums_by_ids(&self, ids: &[i64]) -> Result<Vec<AlbumRecord>, DbError> {
        albums_in(&self.read, ids).await
    }

    /// The album and its ancestors, nearest first.
    pub async fn album_chain(&self, id: i64) -> Result<Vec<AlbumRecord>, DbError> {
        let ids = tree_ids(&self.read, self.backend(), id, false).await?;
        let mut albums = albums_in(&self.read, &ids).await?;
        albums.sort_by_key(|a| ids.iter().position(|i| *i == a.id));
        Ok(albums)
    }

    /// The album and everything below it (breadth-first).
    pub async fn album_subtree(&self, id: i64) -> Result<Vec<i64>, DbError> {
        tree_ids(&self.read, self.backend(), id, true).await
    }

    /// Saves the editable fields; a privacy change reaches the whole subtree.
    pub async fn update_album(
        &self,
        id: i64,
        f: AlbumFields,
        now: Timestamp,
    ) -> Result<(), DbError> {
        let txn = self.write.begin().await?;
        let Some(current) = album::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(());
        };
        lock_owner(&txn, current.owner_id).await?;
        // A new password, or no password any more: grants made under the old one end.
        if current.password_hash != f.password_hash || f.privacy != Privacy::Password {
            album_unlock::Entity::delete_many()
                .filter(album_unlock::Column::AlbumId.eq(id))
                .exec(&txn)
                .await?;
        }
        album::Entity::update_many()
            .col_expr(album::Column::Title, Expr::value(f.title))
            .col_expr(album::Column::Description, Expr::value(f.description))
            .col_expr(album::Column::Privacy, Expr::value(f.privacy.as_str()))
            .col_expr(album::Column::PasswordHash, Expr::value(f.password_hash))
            .col_expr(album::Column::CoverMediaId, Expr::value(f.cover_media_id))
            .col_expr(album::Column::Sort, Expr::value(f.sort))
            .col_expr(album::Column::UpdatedAt, Expr::value(now.0))
            .filter(album::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        recompute_effective(&txn, self.backend(), id).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Moves albums under `parent` (None: to the top). Returns false, changing nothing, when
    /// that would put an album under itself or its own descendant, or nest too deep.
    pub async fn move_albums(
        &self,
        ids: &[i64],
        parent: Option<i64>,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let txn = self.write.begin().await?;
        let mut owners: Vec<i64> = albums_in(&txn, ids)
            .await?
            .iter()
            .map(|a| a.owner_id)
            .collect();
        owners.sort_unstable();
        owners.dedup();
        for o in owners {
            lock_owner(&txn, o).await?;
        }
        if let Some(p) = parent {
            // Checked under the owner lock in the transaction that moves, so two moves cannot
            // race a cycle in.
            let above = tree_ids(&txn, self.backend(), p, false).await?;
            if ids.iter().any(|id| above.contains(id)) {
                return Ok(false);
            }
            for id in ids {
                let height = subtree_height(&txn, self.backend(), *id).await?;
                if above.len() + 1 + usize::try_from(height).unwrap_or(usize::MAX) > MAX_DEPTH {
                    return Ok(false);
                }
            }
        }
        album::Entity::update_many()
            .col_expr(album::Column::ParentId, Expr::value(parent))
            .col_expr(album::Column::UpdatedAt, Expr::value(now.0))
            .filter(album::Column::Id.is_in(ids.iter().copied()))
            .exec(&txn)
            .await?;
        for id in ids {
            recompute_effective(&txn, self.backend(), *id).await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    /// Deletes an album; its contents move up or go with it. Media that go leave their
    /// blobs to the collector (`gc_job` per blob nothing uses any more).
    pub async fn delete_album(
        &self,
        id: i64,
        contents: AlbumContents,
        gc_job: impl Fn(i64) -> NewJob<'static>,
    ) -> Result<(), DbError> {
        let txn = self.write.begin().await?;
        let Some(a) = album::Entity::find_by_id(id).one(&txn).await? else {
            return Ok(());
        };
        lock_owner(&txn, a.owner_id).await?;
        let doomed = match contents {
            AlbumContents::MoveUp => {
                // What moves up keeps at least the restriction it had: its own level is raised
                // to the deleted album's (password becomes private: the password goes too).
                let floor = match Privacy::from_stored(&a.privacy) {
                    Privacy::Password => Privacy::Private,
                    p => p,
                };
                let weaker: Vec<&str> = [Privacy::Public, Privacy::Unlisted, Privacy::Password]
                    .into_iter()
                    .filter(|p| *p < floor)
                    .map(Privacy::as_str)
                    .collect();
                if !weaker.is_empty() {
                    media::Entity::update_many()
                        .col_expr(media::Column::Privacy, Expr::value(floor.as_str()))
                        .filter(media::Column::AlbumId.eq(id))
                        .filter(media::Column::Privacy.is_in(weaker.clone()))
                        .exec(&txn)
                        .await?;
                    album::Entity::update_many()
                        .col_expr(album::Column::Privacy, Expr::value(floor.as_str()))
                        .col_expr(
                            album::Column::PasswordHash,
                            Expr::value(Option::<String>::None),
                        )
                        .filter(album::Column::ParentId.eq(id))
                        .filter(album::Column::Privacy.is_in(weaker))
                        .exec(&txn)
                        .await?;
                }
                let children: Vec<i64> = album::Entity::find()
                    .select_only()
                    .column(album::Column::Id)
                    .filter(album::Column::ParentId.eq(id))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                album::Entity::update_many()
                    .col_expr(album::Column::ParentId, Expr::value(a.parent_id))
                    .filter(album::Column::ParentId.eq(id))
                    .exec(&txn)
                    .await?;
                media::Entity::update_many()
                    .col_expr(media::Column::AlbumId, Expr::value(a.parent_id))
                    .filter(media::Column::AlbumId.eq(id))
                    .exec(&txn)
                    .await?;
                for c in children {
                    recompute_effective(&txn, self.backend(), c).await?;
                }
                vec![id]
            }
            AlbumContents::Delete => {
                let ids = tree_ids(&txn, self.backend(), id, true).await?;
                let gone: Vec<(i64, i64)> = media::Entity::find()
                    .select_only()
                    .column(media::Column::Id)
                    .column(media::Column::BlobId)
                    .filter(media::Column::AlbumId.is_in(ids.iter().copied()))
                    .into_tuple()
                    .all(&txn)
                    .await?;
                media::Entity::delete_many()
                    .filter(media::Column::Id.is_in(gone.iter().map(|(m, _)| *m)))
                    .exec(&txn)
                    .await?;
                let mut blobs: Vec<i64> = gone.iter().map(|(_, b)| *b).collect();
                blobs.sort_unstable();
                blobs.dedup();
                for b in blobs {
                    let users = media::Entity::find()
                        .filter(media::Column::BlobId.eq(b))
                        .count(&txn)
                        .await?;
                    if users == 0 {
                        enqueue_on(&txn, gc_job(b)).await?;
                    }
                }
                ids
            }
        };
        // Unlink first so no row points at another that is going in the same statement.
        album::Entity::update_many()
            .col_expr(album::Column::ParentId, Expr::value(Option::<i64>::None))
            .filter(album::Column::Id.is_in(doomed.iter().copied()))
            .exec(&txn)
            .await?;
        album::Entity::delete_many()
            .filter(album::Column::Id.is_in(doomed.iter().copied()))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A page of albums, newest first; `listed_only` keeps those whose chain is public.
    pub async fn list_albums(
        &self,
        scope: AlbumScope,
        listed_only: bool,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AlbumRecord>, DbError> {
        let mut q = album::Entity::find().order_by_desc(album::Column::Id);
        q = match scope {
            AlbumScope::Roots { owner_id } => q
                .filter(album::Column::OwnerId.eq(owner_id))
                .filter(album::Column::ParentId.is_null()),
            AlbumScope::Children { parent_id } => q.filter(album::Column::ParentId.eq(parent_id)),
            AlbumScope::Owner { owner_id } => q.filter(album::Column::OwnerId.eq(owner_id)),
        };
        if listed_only {
            q = q.filter(album::Column::EffectivePrivacy.eq(Privacy::Public.as_str()));
        }
        if let Some(b) = before {
            q = q.filter(album::Column::Id.lt(b));
        }
        q.limit(limit)
            .all(&self.read)
            .await?
            .into_iter()
            .map(TryInto::try_into)
            .collect()
    }

    /// Puts media into an album (None: out of any album).
    pub async fn move_media(
        &self,
        media_ids: &[i64],
        album_id: Option<i64>,
        now: Timestamp,
    ) -> Result<(), DbError> {
        media::Entity::update_many()
            .col_expr(media::Column::AlbumId, Expr::value(album_id))
            .col_expr(media::Column::UpdatedAt, Expr::value(now.0))
            .filter(media::Column::Id.is_in(media_ids.iter().copied()))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// Sets the own privacy level of media.
    pub async fn set_media_privacy(
        &self,
        media_ids: &[i64],
        privacy: Privacy,
        now: Timestamp,
    ) -> Result<(), DbError> {
        media::Entity::update_many()
            .col_expr(media::Column::Privacy, Expr::value(privacy.as_str()))
            .col_expr(media::Column::UpdatedAt, Expr::value(now.0))
            .filter(media::Column::Id.is_in(media_ids.iter().copied()))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// Sets the NSFW flag of media.
    pub async fn set_media_nsfw(
        &self,
        media_ids: &[i64],
        nsfw: bool,
        now: Timestamp,
    ) -> Result<(), DbError> {
        media::Entity::update_many()
            .col_expr(media::Column::Nsfw, Expr::value(nsfw))
            .col_expr(media::Column::UpdatedAt, Expr::value(now.0))
            .filter(media::Column::Id.is_in(media_ids.iter().copied()))
            .exec(&self.write)
            .await?;
        Ok(())
    }

    /// Gives the grants of one unlock token to another (a fresh token per unlock, so a token
    /// planted by someone else never receives the new grant).
    pub async fn copy_album_unlocks(
        &self,
        from_hash: &str,
        to_hash: &str,
        now: Timestamp,
    ) -> Result<(), DbError> {
        let live = album_unlock::Entity::find()
            .filter(album_unlock::Column::TokenHash.eq(from_hash))
            .filter(album_unlock::Column::ExpiresAt.gt(now.0))
            .limit(1000)
            .all(&self.read)
            .await?;
        if live.is_empty() {
            return Ok(());
        }
        album_unlock::Entity::insert_many(live.into_iter().map(|u| album_unlock::ActiveModel {
            token_hash: Set(to_hash.to_owned()),
            album_id: Set(u.album_id),
            expires_at: Set(u.expires_at),
        }))
        .on_conflict_do_nothing_on([
            album_unlock::Column::TokenHash,
            album_unlock::Column::AlbumId,
        ])
        .exec_without_returning(&self.write)
        .await?;
        Ok(())
    }

    /// Records that the holder of the unlock token `token_hash` entered the album's password.
    pub async fn add_album_unlock(
        &self,
        token_hash: &str,
        album_id: i64,
        expires_at: Timestamp,
    ) -> Result<(), DbError> {
        album_unlock::Entity::insert(album_unlock::ActiveModel {
            token_hash: Set(token_hash.to_owned()),
            album_id: Set(album_id),
            expires_at: Set(expires_at.0),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                album_unlock::Column::TokenHash,
                album_unlock::Column::AlbumId,
            ])
            .update_column(album_unlock::Column::ExpiresAt)
            .to_owned(),
        )
        .exec_without_returning(&self.write)
        .await?;
        Ok(())
    }

    /// Which of `album_ids` the token holder has unlocked (and not expired).
    pub async fn unlocked_albums(
        &self,
        token_hash: &str,
        album_ids: &[i64],
        now: Timestamp,
    ) -> Result<Vec<i64>, DbError> {
        if album_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(album_unlock::Entity::find()
            .select_only()
            .column(album_unlock::Column::AlbumId)
            .filter(album_unlock::Column::TokenHash.eq(token_hash))
            .filter(album_unlock::Column::AlbumId.is_in(album_ids.iter().copied()))
            .filter(album_unlock::Column::ExpiresAt.gt(now.0))
            .into_tuple()
            .all(&self.read)
            .await?)
    }

    /// Removes expired unlocks; returns how many.
    pub async fn prune_album_unlocks(&self, now: Timestamp) -> Result<u64, DbError> {
        Ok(album_unlock::Entity::delete_many()
            .filter(album_unlock::Column::ExpiresAt.lte(now.0))
            .exec(&self.write)
            .await?
            .rows_affected)
    }

    /// Subquery: ids of albums whose whole chain is public.
    pub(crate) fn public_album_ids() -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .column(album::Column::Id)
            .from(album::Entity)
            .and_where(album::Column::EffectivePrivacy.eq(Privacy::Public.as_str()))
            .to_owned()
    }
}
