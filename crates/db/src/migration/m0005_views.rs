//! Owns `media_views`: who has been counted as a viewer of a media item on which day (user id,
//! or a hash of address and browser for visitors), so a view counts once per visitor per day.
//! Rows older than a couple of days are pruned by housekeeping.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MediaViews {
    Table,
    MediaId,
    Visitor,
    Day,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MediaViews::Table)
                .if_not_exists()
                .col(ColumnDef::new(MediaViews::MediaId).big_integer().not_null())
                .col(
                    ColumnDef::new(MediaViews::Visitor)
                        .string_len(64)
                        .not_null(),
                )
                .col(ColumnDef::new(MediaViews::Day).big_integer().not_null())
                .primary_key(
                    Index::create()
                        .col(MediaViews::MediaId)
                        .col(MediaViews::Visitor)
                        .col(MediaViews::Day),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(MediaViews::Table, MediaViews::MediaId)
                        .to(Media::Table, Media::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_media_views_day")
                .table(MediaViews::Table)
                .col(MediaViews::Day)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".to_owned()))
    }
}
