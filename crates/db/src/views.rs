//! Owns view counting: a view is recorded once per media, visitor and day, and only a new
//! record adds one to the media's counter (in the same transaction).

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, SqlErr, TransactionTrait};

use crate::entity::{media, media_view};
use crate::{Backend, Db, DbError};

impl Db {
    /// Counts a view unless this visitor was already counted today; true when counted.
    pub async fn record_view(
        &self,
        media_id: i64,
        visitor: &str,
        day: i64,
    ) -> Result<bool, DbError> {
        let txn = self.write.begin().await?;
        let row = media_view::ActiveModel {
            media_id: Set(media_id),
            visitor: Set(visitor.to_owned()),
            day: Set(day),
        };
        let inserted = if self.backend() == Backend::MySql {
            // MySQL's "do nothing" is a no-op update that still reports a row: insert plainly
            // and read a duplicate as "already counted" (MySQL keeps the transaction usable).
            match media_view::Entity::insert(row)
                .exec_without_returning(&txn)
                .await
            {
                Ok(n) => n == 1,
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    false
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            let r = media_view::Entity::insert(row)
                .on_conflict_do_nothing_on([
                    media_view::Column::MediaId,
                    media_view::Column::Visitor,
                    media_view::Column::Day,
                ])
                .exec_without_returning(&txn)
                .await?;
            matches!(r, sea_orm::TryInsertResult::Inserted(1))
        };
        if inserted {
            media::Entity::update_many()
                .col_expr(media::Column::Views, Expr::col(media::Column::Views).add(1))
                .filter(media::Column::Id.eq(media_id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(inserted)
    }

    /// Forgets who viewed what before `day`.
    pub async fn prune_media_views(&self, before_day: i64) -> Result<u64, DbError> {
        Ok(media_view::Entity::delete_many()
            .filter(media_view::Column::Day.lt(before_day))
            .exec(&self.write)
            .await?
            .rows_affected)
    }
}
