//! Owns the schema the upload API needs: an MD5 per blob (the Chevereto contract reports it),
//! tags per media, and an index to count an account's recent uploads (flood control).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Blobs {
    Table,
    Md5,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MediaTags {
    Table,
    MediaId,
    Tag,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Action,
    ActorId,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Empty for blobs stored before this migration; the next upload of the same bytes
        // fills it in.
        m.alter_table(
            Table::alter()
                .table(Blobs::Table)
                .add_column(
                    ColumnDef::new(Blobs::Md5)
                        .string_len(32)
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(MediaTags::Table)
                .if_not_exists()
                .col(ColumnDef::new(MediaTags::MediaId).big_integer().not_null())
                .col(ColumnDef::new(MediaTags::Tag).string_len(64).not_null())
                .primary_key(Index::create().col(MediaTags::MediaId).col(MediaTags::Tag))
                .foreign_key(
                    ForeignKey::create()
                        .from(MediaTags::Table, MediaTags::MediaId)
                        .to(Media::Table, Media::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_media_tags_tag")
                .table(MediaTags::Table)
                .col(MediaTags::Tag)
                .col(MediaTags::MediaId)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_action_actor_at")
                .table(AuditLog::Table)
                .col(AuditLog::Action)
                .col(AuditLog::ActorId)
                .col(AuditLog::At)
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
