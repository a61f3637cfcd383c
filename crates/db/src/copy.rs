//! Owns copying a whole installation's database to another database (e.g. SQLite to
//! PostgreSQL): every table in foreign-key order, in pages, keeping ids, then the target's id
//! sequences moved past the copied ids. The target must be migrated and empty (or wiped on
//! request). Files are not touched: they stay in the storage both databases point at.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Statement, TransactionTrait,
};

use crate::entity::{
    album, album_unlock, api_key, audit, blob, job, media, media_tag, media_view, password_reset,
    session, setting, signup_request, user, variant,
};
use crate::{Backend, Db, DbError};

const PAGE: u64 = 500;

/// Tables in the order they are copied (parents first).
pub const TABLES: [&str; 15] = [
    "users",
    "settings",
    "api_keys",
    "sessions",
    "password_resets",
    "signup_requests",
    "jobs",
    "audit_log",
    "blobs",
    "variants",
    "media",
    "media_tags",
    "media_views",
    "albums",
    "album_unlocks",
];

/// Tables with an auto-increment id whose sequence must follow the copied ids.
const SEQUENCED: [&str; 8] = [
    "users",
    "api_keys",
    "jobs",
    "audit_log",
    "blobs",
    "variants",
    "media",
    "albums",
];

/// Copies one table: pages of rows, read in primary-key order, inserted unchanged.
macro_rules! copy_table {
    ($src:expr, $dst:expr, $entity:ident, $order:expr, $progress:expr, $name:expr) => {{
        let total = $entity::Entity::find().count(&$src.read).await?;
        let mut done = 0u64;
        let mut pages = $entity::Entity::find()
            .order_by_asc($order)
            .paginate(&$src.read, PAGE);
        while let Some(rows) = pages.fetch_and_next().await? {
            let n = rows.len() as u64;
            if n == 0 {
                break;
            }
            // `reset_all` marks every field as set, so the insert writes the ids too.
            let models = rows.into_iter().map(|m| m.into_active_model().reset_all());
            $entity::Entity::insert_many(models)
                .exec_without_returning(&$dst.write)
                .await?;
            done += n;
            $progress($name, done, total);
        }
        if total == 0 {
            $progress($name, 0, 0);
        }
    }};
}

impl Db {
    /// Whether the database holds any account, media or setting.
    pub async fn is_empty(&self) -> Result<bool, DbError> {
        Ok(user::Entity::find().count(&self.read).await? == 0
            && media::Entity::find().count(&self.read).await? == 0
            && blob::Entity::find().count(&self.read).await? == 0
            && setting::Entity::find().count(&self.read).await? == 0)
    }

    /// Deletes every row of every table (children first).
    pub async fn wipe(&self) -> Result<(), DbError> {
        let txn = self.write.begin().await?;
        // Albums point at each other: unlink before deleting.
        album::Entity::update_many()
            .col_expr(album::Column::ParentId, Expr::value(Option::<i64>::None))
            .exec(&txn)
            .await?;
        for table in TABLES.iter().rev() {
            txn.execute_unprepared(&format!("DELETE FROM {table}"))
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Copies everything into `target` (migrated, empty). `progress(table, done, total)` is
    /// called after every page.
    pub async fn copy_into(
        &self,
        target: &Db,
        mut progress: impl FnMut(&str, u64, u64),
    ) -> Result<(), DbError> {
        let p = &mut progress;
        copy_table!(self, target, user, user::Column::Id, p, "users");
        copy_table!(self, target, setting, setting::Column::Key, p, "settings");
        copy_table!(self, target, api_key, api_key::Column::Id, p, "api_keys");
        copy_table!(self, target, session, session::Column::Id, p, "sessions");
        copy_table!(
            self,
            target,
            password_reset,
            password_reset::Column::Id,
            p,
            "password_resets"
        );
        copy_table!(
            self,
            target,
            signup_request,
            signup_request::Column::Id,
            p,
            "signup_requests"
        );
        copy_table!(self, target, job, job::Column::Id, p, "jobs");
        copy_table!(self, target, audit, audit::Column::Id, p, "audit_log");
        copy_table!(self, target, blob, blob::Column::Id, p, "blobs");
        copy_table!(self, target, variant, variant::Column::Id, p, "variants");
        copy_table!(self, target, media, media::Column::Id, p, "media");
        copy_table!(
            self,
            target,
            media_tag,
            media_tag::Column::MediaId,
            p,
            "media_tags"
        );
        copy_table!(
            self,
            target,
            media_view,
            media_view::Column::MediaId,
            p,
            "media_views"
        );
        // Parents may have larger ids than their children (moves): copy without parents,
        // then link them.
        copy_albums(self, target, p).await?;
        copy_table!(
            self,
            target,
            album_unlock,
            album_unlock::Column::AlbumId,
            p,
            "album_unlocks"
        );
        if target.backend() == Backend::Postgres {
            for table in SEQUENCED {
                target
                    .write
                    .execute_raw(Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                             COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                        ),
                    ))
                    .await?;
            }
        }
        Ok(())
    }
}

async fn copy_albums(
    src: &Db,
    dst: &Db,
    progress: &mut impl FnMut(&str, u64, u64),
) -> Result<(), DbError> {
    let total = album::Entity::find().count(&src.read).await?;
    let mut done = 0u64;
    let mut pages = album::Entity::find()
        .order_by_asc(album::Column::Id)
        .paginate(&src.read, PAGE);
    let mut links: Vec<(i64, i64)> = Vec::new();
    while let Some(rows) = pages.fetch_and_next().await? {
        if rows.is_empty() {
            break;
        }
        done += rows.len() as u64;
        let models = rows.into_iter().map(|m| {
            if let Some(p) = m.parent_id {
                links.push((m.id, p));
            }
            album::Model {
                parent_id: None,
                ..m
            }
            .into_active_model()
            .reset_all()
        });
        let models: Vec<_> = models.collect();
        album::Entity::insert_many(models)
            .exec_without_returning(&dst.write)
            .await?;
        progress("albums", done, total);
    }
    for (id, parent) in links {
        album::Entity::update_many()
            .col_expr(album::Column::ParentId, Expr::value(parent))
            .filter(sea_orm::ColumnTrait::eq(&album::Column::Id, id))
            .exec(&dst.write)
            .await?;
    }
    if total == 0 {
        progress("albums", 0, 0);
    }
    Ok(())
}
