//! Owns `signup_requests` (sign-ups waiting for their address to be confirmed by an e-mailed
//! link; only a hash of each link's secret is stored) and `users.email` becoming optional (a
//! site that sends no e-mail cannot confirm an address, so its sign-up does not collect one).

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SignupRequests {
    Table,
    Id,
    Username,
    Email,
    PasswordHash,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_signup_requests(m).await?;
        match m.get_database_backend() {
            DbBackend::Postgres => {
                // The unique constraint stays: NULLs never collide in it.
                m.get_connection()
                    .execute_unprepared(r#"ALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL"#)
                    .await?;
            }
            DbBackend::Sqlite => super::m0009_sqlite_users::relax_email(m).await?,
            // MySQL / MariaDB, the only other backend.
            _ => {
                // MODIFY keeps the column's unique index and the table's binary collation.
                m.get_connection()
                    .execute_unprepared("ALTER TABLE `users` MODIFY `email` VARCHAR(254) NULL")
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward-only".to_owned()))
    }
}

async fn create_signup_requests(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let text =
        |col: SignupRequests, len: u32| ColumnDef::new(col).string_len(len).not_null().to_owned();
    let time = |col: SignupRequests| ColumnDef::new(col).big_integer().not_null().to_owned();
    m.create_table(
        Table::create()
            .table(SignupRequests::Table)
            .if_not_exists()
            .col(text(SignupRequests::Id, 64).primary_key().to_owned())
            .col(text(SignupRequests::Username, 32))
            .col(text(SignupRequests::Email, 254))
            .col(text(SignupRequests::PasswordHash, 255))
            .col(time(SignupRequests::CreatedAt))
            .col(time(SignupRequests::ExpiresAt))
            .to_owned(),
    )
    .await?;
    // A new request for an address replaces the older ones: found by address.
    m.create_index(
        Index::create()
            .name("ix_signup_requests_email")
            .table(SignupRequests::Table)
            .col(SignupRequests::Email)
            .if_not_exists()
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// One `i64` from the first column of the first row of `sql`, if any row.
pub(super) async fn first_i64<C: ConnectionTrait>(c: &C, sql: &str) -> Result<Option<i64>, DbErr> {
    let row = c
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await?;
    row.map(|r| r.try_get_by_index::<i64>(0)).transpose()
}
