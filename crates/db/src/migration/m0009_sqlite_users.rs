//! Owns making `users.email` optional on SQLite, which cannot alter a column: the table is
//! rebuilt (SQLite's documented twelve steps). Never drops `users` while foreign keys are
//! enforced: `DROP TABLE` would then delete every user and cascade into their sessions, media,
//! albums and keys.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

use super::m0009_signup_requests::first_i64;

#[derive(DeriveIden)]
enum UsersNew {
    Table,
    Id,
    Username,
    Email,
    DisplayName,
    PasswordHash,
    Role,
    Status,
    CreatedAt,
    UpdatedAt,
    KeepExif,
    Bio,
    Website,
    PrivateProfile,
    AvatarMediaId,
    CoverMediaId,
}

/// Every column of `users` as m0001, m0002 and m0006 left it, in order.
const COLUMNS: &str = "id, username, email, display_name, password_hash, role, status, \
     created_at, updated_at, keep_exif, bio, website, private_profile, avatar_media_id, \
     cover_media_id";

/// Turns foreign keys off around the rebuild and back on whatever happens (the connection
/// goes back to the pool). sea-orm-migration runs SQLite migrations outside a transaction, so
/// the pragma takes effect; the rebuild checks that it did before dropping anything.
pub(super) async fn relax_email(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = m.get_connection();
    conn.execute_unprepared("PRAGMA foreign_keys = OFF").await?;
    let rebuilt = rebuild(m).await;
    let on = conn.execute_unprepared("PRAGMA foreign_keys = ON").await;
    rebuilt?;
    on.map(drop)
}

async fn rebuild(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let txn = m.begin().await?;
    let c = txn.get_connection();
    // Inside an outer transaction (or on another pooled connection) the pragma is a no-op:
    // refuse rather than let the drop cascade.
    if first_i64(c, "PRAGMA foreign_keys").await? != Some(0) {
        return Err(DbErr::Migration(
            "m0009: foreign keys are still enforced; refusing to rebuild `users` (dropping it \
             would delete every child row)"
                .to_owned(),
        ));
    }
    // Indexes and triggers go with the table; their own SQL recreates them afterwards
    // (the UNIQUE constraints' automatic indexes have no SQL and come with the new table).
    let extras: Vec<String> = c
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'users' \
             AND type IN ('index', 'trigger') AND sql IS NOT NULL",
        ))
        .await?
        .iter()
        .map(|r| r.try_get_by_index::<String>(0))
        .collect::<Result<_, _>>()?;
    // Ids of deleted users are never handed out again (AUTOINCREMENT): keep the counter.
    let seq = first_i64(c, "SELECT seq FROM sqlite_sequence WHERE name = 'users'").await?;
    txn.create_table(users_new()).await?;
    c.execute_unprepared(&format!(
        "INSERT INTO users_new ({COLUMNS}) SELECT {COLUMNS} FROM users"
    ))
    .await?;
    c.execute_unprepared("DROP TABLE users").await?;
    c.execute_unprepared("ALTER TABLE users_new RENAME TO users")
        .await?;
    for sql in &extras {
        c.execute_unprepared(sql).await?;
    }
    if let Some(seq) = seq {
        c.execute_unprepared(&format!(
            "UPDATE sqlite_sequence SET seq = MAX(seq, {seq}) WHERE name = 'users'"
        ))
        .await?;
    }
    // Every row that pointed at a user still does (same ids, same table name).
    let dangling = c
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT \"table\" FROM pragma_foreign_key_check WHERE parent = 'users'",
        ))
        .await?;
    if !dangling.is_empty() {
        return Err(DbErr::Migration(format!(
            "m0009: {} rows lost their user while rebuilding `users`",
            dangling.len()
        )));
    }
    txn.commit().await
}

fn users_new() -> TableCreateStatement {
    let text = |c: UsersNew, len: u32| ColumnDef::new(c).string_len(len).not_null().to_owned();
    let time = |c: UsersNew| ColumnDef::new(c).big_integer().not_null().to_owned();
    let flag = |c: UsersNew| {
        ColumnDef::new(c)
            .boolean()
            .not_null()
            .default(false)
            .to_owned()
    };
    Table::create()
        .table(UsersNew::Table)
        .col(
            ColumnDef::new(UsersNew::Id)
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(text(UsersNew::Username, 32).unique_key().to_owned())
        .col(
            ColumnDef::new(UsersNew::Email)
                .string_len(254)
                .null()
                .unique_key(),
        )
        .col(ColumnDef::new(UsersNew::DisplayName).string_len(64).null())
        .col(text(UsersNew::PasswordHash, 255))
        .col(text(UsersNew::Role, 16))
        .col(text(UsersNew::Status, 16))
        .col(time(UsersNew::CreatedAt))
        .col(time(UsersNew::UpdatedAt))
        .col(flag(UsersNew::KeepExif))
        .col(ColumnDef::new(UsersNew::Bio).text().not_null().default(""))
        .col(
            ColumnDef::new(UsersNew::Website)
                .string_len(255)
                .not_null()
                .default(""),
        )
        .col(flag(UsersNew::PrivateProfile))
        .col(ColumnDef::new(UsersNew::AvatarMediaId).big_integer().null())
        .col(ColumnDef::new(UsersNew::CoverMediaId).big_integer().null())
        .to_owned()
}
