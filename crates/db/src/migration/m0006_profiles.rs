//! Owns the profile fields of users: a bio, a website link, the private-profile switch, and
//! the media items used as avatar and cover image.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Bio,
    Website,
    PrivateProfile,
    AvatarMediaId,
    CoverMediaId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for col in [
            ColumnDef::new(Users::Bio)
                .text()
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(Users::Website)
                .string_len(255)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(Users::PrivateProfile)
                .boolean()
                .not_null()
                .default(false)
                .to_owned(),
            ColumnDef::new(Users::AvatarMediaId)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(Users::CoverMediaId)
                .big_integer()
                .null()
                .to_owned(),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".to_owned()))
    }
}
