//! Owns `media_tags`: the tags of media items (already normalised by the caller).

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use crate::entity::media_tag;
use crate::{Db, DbError};

pub(crate) async fn insert_tags(
    conn: &impl ConnectionTrait,
    media_id: i64,
    tags: &[String],
) -> Result<(), DbError> {
    if tags.is_empty() {
        return Ok(());
    }
    media_tag::Entity::insert_many(tags.iter().map(|t| media_tag::ActiveModel {
        media_id: Set(media_id),
        tag: Set(t.clone()),
    }))
    .on_conflict_do_nothing_on([media_tag::Column::MediaId, media_tag::Column::Tag])
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

impl Db {
    /// `(media id, tag)` pairs for the given media, sorted by tag.
    pub async fn tags_of(&self, media_ids: &[i64]) -> Result<Vec<(i64, String)>, DbError> {
        if media_ids.is_empty() {
            return Ok(Vec::new());
        }
        Ok(media_tag::Entity::find()
            .filter(media_tag::Column::MediaId.is_in(media_ids.iter().copied()))
            .order_by_asc(media_tag::Column::Tag)
            .all(&self.read)
            .await?
            .into_iter()
            .map(|r| (r.media_id, r.tag))
            .collect())
    }

    /// Replaces the tags of a media item.
    pub async fn set_media_tags(&self, media_id: i64, tags: &[String]) -> Result<(), DbError> {
        let txn = self.write.begin().await?;
        media_tag::Entity::delete_many()
            .filter(media_tag::Column::MediaId.eq(media_id))
            .exec(&txn)
            .await?;
        insert_tags(&txn, media_id, tags).await?;
        txn.commit().await?;
        Ok(())
    }
}
