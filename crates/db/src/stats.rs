//! Owns the figures of the admin overview: accounts, media items and stored bytes, each one
//! aggregate query. Counting scans the table on every backend; it serves an admin page, not
//! every visitor.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::entity::{blob, media, user, variant};
use crate::listings::PROFILE_KINDS;
use crate::{Db, DbError};

/// Site-wide totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteStats {
    pub users: u64,
    /// Media items (avatars, covers and the logo are not counted).
    pub media: u64,
    /// Originals (each stored once however often uploaded) plus their derivatives.
    pub stored_bytes: u64,
}

impl Db {
    pub async fn site_stats(&self) -> Result<SiteStats, DbError> {
        // PostgreSQL and MySQL sum BIGINT as NUMERIC/DECIMAL; the cast gives every backend a
        // plain 64-bit integer.
        let sum_size = format!(
            "CAST(COALESCE(SUM(size), 0) AS {})",
            self.backend().bigint()
        );
        let users = user::Entity::find().count(&self.read).await?;
        let media = media::Entity::find()
            .filter(media::Column::Kind.is_not_in(PROFILE_KINDS))
            .count(&self.read)
            .await?;
        let originals: Option<i64> = blob::Entity::find()
            .select_only()
            .column_as(Expr::cust(sum_size.clone()), "total")
            .into_tuple()
            .one(&self.read)
            .await?;
        let variants: Option<i64> = variant::Entity::find()
            .select_only()
            .column_as(Expr::cust(sum_size.clone()), "total")
            .into_tuple()
            .one(&self.read)
            .await?;
        let bytes = |v: Option<i64>| u64::try_from(v.unwrap_or(0)).unwrap_or(0);
        Ok(SiteStats {
            users,
            media,
            stored_bytes: bytes(originals).saturating_add(bytes(variants)),
        })
    }
}

impl Db {
    /// How many files the store should hold: every original and every derivative.
    pub async fn stored_file_count(&self) -> Result<u64, DbError> {
        Ok(blob::Entity::find().count(&self.read).await?
            + variant::Entity::find().count(&self.read).await?)
    }
}
