//! Owns the schema of albums and privacy: `albums` (nested by `parent_id`, with their own
//! privacy and the effective one of their whole chain kept alongside, an argon2 hash when
//! password-protected, a chosen cover and a sort order), each media's album and own privacy,
//! and `album_unlocks` (password grants held by a visitor's unlock cookie). Counts are not
//! stored: they depend on who is looking, so they are counted per request.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Albums {
    Table,
    Id,
    PublicId,
    OwnerId,
    ParentId,
    Title,
    Description,
    Privacy,
    EffectivePrivacy,
    PasswordHash,
    CoverMediaId,
    Sort,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    AlbumId,
    Privacy,
}

#[derive(DeriveIden)]
enum AlbumUnlocks {
    Table,
    TokenHash,
    AlbumId,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Albums::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Albums::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Albums::PublicId)
                        .string_len(16)
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Albums::OwnerId).big_integer().not_null())
                .col(ColumnDef::new(Albums::ParentId).big_integer().null())
                .col(ColumnDef::new(Albums::Title).string_len(100).not_null())
                .col(ColumnDef::new(Albums::Description).text().not_null())
                .col(ColumnDef::new(Albums::Privacy).string_len(16).not_null())
                .col(
                    ColumnDef::new(Albums::EffectivePrivacy)
                        .string_len(16)
                        .not_null(),
                )
                .col(ColumnDef::new(Albums::PasswordHash).string_len(255).null())
                .col(ColumnDef::new(Albums::CoverMediaId).big_integer().null())
                .col(ColumnDef::new(Albums::Sort).string_len(16).not_null())
                .col(ColumnDef::new(Albums::CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(Albums::UpdatedAt).big_integer().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(Albums::Table, Albums::OwnerId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    // Children are moved or deleted by the app before their parent goes.
                    ForeignKey::create()
                        .from(Albums::Table, Albums::ParentId)
                        .to(Albums::Table, Albums::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Albums::Table, Albums::CoverMediaId)
                        .to(Media::Table, Media::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("ix_albums_owner", vec![Albums::OwnerId, Albums::Id]),
            ("ix_albums_parent", vec![Albums::ParentId, Albums::Id]),
        ] {
            let mut ix = Index::create();
            ix.name(name).table(Albums::Table).if_not_exists();
            for c in cols {
                ix.col(c);
            }
            m.create_index(ix.to_owned()).await?;
        }

        // Existing media were visible to anyone with the link and listed nowhere: unlisted is
        // exactly that. (Every insert names its level, so this default only fills old rows.)
        m.alter_table(
            Table::alter()
                .table(Media::Table)
                .add_column(
                    ColumnDef::new(Media::Privacy)
                        .string_len(16)
                        .not_null()
                        .default("unlisted"),
                )
                .to_owned(),
        )
        .await?;
        // A separate statement: SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(Media::Table)
                .add_column(ColumnDef::new(Media::AlbumId).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_media_album")
                .table(Media::Table)
                .col(Media::AlbumId)
                .col(Media::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AlbumUnlocks::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(AlbumUnlocks::TokenHash)
                        .string_len(64)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AlbumUnlocks::AlbumId)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(AlbumUnlocks::ExpiresAt)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(AlbumUnlocks::TokenHash)
                        .col(AlbumUnlocks::AlbumId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(AlbumUnlocks::Table, AlbumUnlocks::AlbumId)
                        .to(Albums::Table, Albums::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_album_unlocks_expires")
                .table(AlbumUnlocks::Table)
                .col(AlbumUnlocks::ExpiresAt)
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
