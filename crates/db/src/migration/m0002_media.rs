//! Owns the media schema: content-addressed `blobs`, their derived `variants`, and `media`
//! (what people uploaded: many media may share one blob). Adds the per-user EXIF preference.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    KeepExif,
}

#[derive(DeriveIden)]
enum Blobs {
    Table,
    Id,
    Hash,
    Size,
    Ext,
    Width,
    Height,
    Frames,
    StorageKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Variants {
    Table,
    Id,
    BlobId,
    Name,
    Ext,
    Width,
    Height,
    Size,
    StorageKey,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    PublicId,
    OwnerId,
    BlobId,
    Kind,
    Title,
    Description,
    OriginalFilename,
    Nsfw,
    Width,
    Height,
    Exif,
    Thumbhash,
    Phash,
    Views,
    ExpiresAt,
    DeleteTokenHash,
    CreatedAt,
    UpdatedAt,
}

fn big(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn int(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}

fn string(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

fn pk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::KeepExif)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Blobs::Table)
                .if_not_exists()
                .col(pk(Blobs::Id))
                .col(string(Blobs::Hash, 64).unique_key().to_owned())
                .col(big(Blobs::Size))
                .col(string(Blobs::Ext, 8))
                .col(int(Blobs::Width))
                .col(int(Blobs::Height))
                .col(int(Blobs::Frames))
                .col(string(Blobs::StorageKey, 255))
                .col(big(Blobs::CreatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Variants::Table)
                .if_not_exists()
                .col(pk(Variants::Id))
                .col(big(Variants::BlobId))
                .col(string(Variants::Name, 32))
                .col(string(Variants::Ext, 8))
                .col(int(Variants::Width))
                .col(int(Variants::Height))
                .col(big(Variants::Size))
                .col(string(Variants::StorageKey, 255))
                .foreign_key(
                    ForeignKey::create()
                        .from(Variants::Table, Variants::BlobId)
                        .to(Blobs::Table, Blobs::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_variants_blob_name")
                .table(Variants::Table)
                .col(Variants::BlobId)
                .col(Variants::Name)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Media::Table)
                .if_not_exists()
                .col(pk(Media::Id))
                .col(string(Media::PublicId, 16).unique_key().to_owned())
                .col(ColumnDef::new(Media::OwnerId).big_integer().null())
                .col(big(Media::BlobId))
                .col(string(Media::Kind, 16))
                .col(string(Media::Title, 100))
                .col(ColumnDef::new(Media::Description).text().not_null())
                .col(string(Media::OriginalFilename, 255))
                .col(ColumnDef::new(Media::Nsfw).boolean().not_null())
                .col(int(Media::Width))
                .col(int(Media::Height))
                .col(ColumnDef::new(Media::Exif).text().null())
                .col(string(Media::Thumbhash, 64))
                .col(big(Media::Phash))
                .col(big(Media::Views))
                .col(ColumnDef::new(Media::ExpiresAt).big_integer().null())
                .col(string(Media::DeleteTokenHash, 64))
                .col(big(Media::CreatedAt))
                .col(big(Media::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Media::Table, Media::OwnerId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    // A blob is removed only by the garbage collector, once nothing uses it.
                    ForeignKey::create()
                        .from(Media::Table, Media::BlobId)
                        .to(Blobs::Table, Blobs::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("ix_media_owner_id", vec![Media::OwnerId, Media::Id]),
            ("ix_media_blob", vec![Media::BlobId]),
            ("ix_media_expires", vec![Media::ExpiresAt]),
        ] {
            let mut ix = Index::create();
            ix.name(name).table(Media::Table).if_not_exists();
            for c in cols {
                ix.col(c);
            }
            m.create_index(ix.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".to_owned()))
    }
}
